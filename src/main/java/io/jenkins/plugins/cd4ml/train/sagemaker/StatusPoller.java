package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.time.Duration;
import java.util.Optional;

/**
 * Polls a SageMaker job's status until it ends, in the rhythm both watchers share: every 5 s
 * while something happens, backing off by half again up to every 30 s while nothing does. A read
 * that fails for a reason that says nothing about the job (throttling, a server error, a dropped
 * connection) is warned about and retried at the next poll, up to 10 times in a row; any other
 * failure ends the polling. An interrupt of the polling thread (how a cancel reaches it) ends it
 * with {@link InterruptedException}; the job keeps running.
 *
 * <pre>{@code
 * Job end = new StatusPoller(sleeper, events).pollUntilEnded("training job " + name, () -> describe(name),
 *         d -> isTerminal(d.status()) ? StatusPoller.ended(d) : StatusPoller.running(report(d)));
 * }</pre>
 */
final class StatusPoller {

    static final Duration FIRST_POLL = Duration.ofSeconds(5);
    static final Duration LONGEST_POLL = Duration.ofSeconds(30);
    private static final int TRANSIENT_FAILURES_TOLERATED = 10;

    private final Sleeper sleeper;
    private final EventSink events;

    StatusPoller(Sleeper sleeper, EventSink events) {
        this.sleeper = sleeper;
        this.events = events;
    }

    /** Reads the job's status: the calls whose transient failures are retried. */
    @FunctionalInterface
    interface Read<R> {
        R read() throws InterruptedException;
    }

    /** Reports what was read and says whether the job has ended (its failures are not retried). */
    @FunctionalInterface
    interface Report<R, T> {
        Progress<T> report(R read) throws InterruptedException;
    }

    /**
     * What one poll found: the job's end result, or that it still runs and whether anything moved
     * (which keeps the next poll soon).
     */
    record Progress<T>(boolean moved, Optional<T> end) {
    }

    /** The job has ended with {@code result}. */
    static <T> Progress<T> ended(T result) {
        return new Progress<>(true, Optional.of(result));
    }

    /** The job still runs; {@code moved} when the poll saw a change. */
    static <T> Progress<T> running(boolean moved) {
        return new Progress<>(moved, Optional.empty());
    }

    /**
     * Reads and reports until {@code report} says the job has ended, and returns its result.
     *
     * @param what the job, for messages, such as {@code "training job iris-…"}
     * @throws InterruptedException if the calling thread is interrupted; the job keeps running
     * @throws Cd4mlException when a read fails for good, or too often in a row
     */
    <R, T> T pollUntilEnded(String what, Read<R> read, Report<R, T> report) throws InterruptedException {
        Duration wait = null;
        int failures = 0;
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException("following " + what);
            }
            R current;
            try {
                current = read.read();
                failures = 0;
            } catch (Cd4mlException e) {
                if (!AwsErrors.isTransient(e.getCause()) || ++failures > TRANSIENT_FAILURES_TOLERATED) {
                    throw e;
                }
                events.warn("could not read the status of " + what + " (" + e.getMessage() + "); trying again");
                wait = wait == null ? FIRST_POLL : longer(wait);
                sleeper.sleep(wait);
                continue;
            }
            Progress<T> progress = report.report(current);
            if (progress.end().isPresent()) {
                return progress.end().get();
            }
            wait = progress.moved() || wait == null ? FIRST_POLL : longer(wait);
            sleeper.sleep(wait);
        }
    }

    static Duration longer(Duration wait) {
        Duration next = wait.multipliedBy(3).dividedBy(2);
        return next.compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : next;
    }
}
