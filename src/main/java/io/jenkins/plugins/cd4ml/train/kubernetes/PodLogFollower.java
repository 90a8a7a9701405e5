package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

/**
 * Streams the training container's log as {@link Event.LogLine}s while it runs.
 *
 * <p>A followed log ends when the container ends, but also when a connection drops (idle
 * timeouts of load balancers during a quiet hour of training). Lines carry their timestamps, so
 * after a drop the follower reconnects from the last one it saw and skips what it already passed
 * on: no line is lost or repeated.
 */
final class PodLogFollower {

    /** How long the follower waits for the container to be reported finished after its log ended. */
    static final Duration END_GRACE = Duration.ofSeconds(5);

    private final PodResource pod;
    private final String podName;
    private final EventSink events;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile LogWatch current;
    private Instant last;

    PodLogFollower(PodResource pod, String podName, EventSink events) {
        this.pod = pod;
        this.podName = podName;
        this.events = events;
        this.thread = new Thread(this::follow, "cd4ml-log-" + podName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Waits until the log has been passed on completely; false if it did not end in time. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /** Stops following now; no events follow once this returns. */
    void stop() {
        stopped = true;
        LogWatch watch = current;
        if (watch != null) {
            watch.close();
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void follow() {
        int failures = 0;
        while (!stopped) {
            try (LogWatch watch = open()) {
                current = watch;
                pump(watch);
                failures = 0;
            } catch (IOException | RuntimeException e) {
                if (stopped) {
                    return;
                }
                if (e instanceof KubernetesClientException k && (k.getCode() == 403 || k.getCode() == 401)) {
                    events.warn("cannot stream the training log of pod " + podName + " (" + k.getCode() + "): "
                            + "grant get on pods/log to see it live; training goes on");
                    return;
                }
                if (++failures >= 5) {
                    events.warn("stopped streaming the training log of pod " + podName + ": " + e.getMessage());
                    return;
                }
            } finally {
                current = null;
            }
            if (stopped || containerFinished()) {
                return;
            }
        }
    }

    private LogWatch open() {
        if (last == null) {
            return pod.inContainer(TrainingJobSpec.CONTAINER).usingTimestamps().watchLog();
        }
        // the API takes whole seconds; lines of that second already passed on are skipped below
        return pod.inContainer(TrainingJobSpec.CONTAINER).usingTimestamps()
                .sinceTime(last.truncatedTo(ChronoUnit.SECONDS).toString()).watchLog();
    }

    private void pump(LogWatch watch) throws IOException {
        Instant resumedAfter = last;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(watch.getOutput(),
                StandardCharsets.UTF_8))) {
            String line;
            while (!stopped && (line = reader.readLine()) != null) {
                int space = line.indexOf(' ');
                Instant at = space > 0 ? timestamp(line.substring(0, space)) : null;
                if (at == null) {
                    emit(line);
                    continue;
                }
                if (resumedAfter != null && !at.isAfter(resumedAfter)) {
                    continue;
                }
                last = at;
                emit(line.substring(space + 1));
            }
        }
    }

    /** Passes a line on, unless stopped: the caller may have closed what consumes the events. */
    private void emit(String line) {
        if (!stopped) {
            events.accept(new Event.LogLine(TrainingBackend.LOG_SOURCE, line));
        }
    }

    /** True if the container ended (so its log is complete); waits {@link #END_GRACE} for the kubelet to say so. */
    private boolean containerFinished() {
        long until = System.nanoTime() + END_GRACE.toNanos();
        do {
            try {
                Pod now = pod.get();
                String phase = now == null || now.getStatus() == null ? null : now.getStatus().getPhase();
                if (now == null || "Succeeded".equals(phase) || "Failed".equals(phase)
                        || JobDiagnosis.container(now).map(ContainerStatus::getState)
                                .map(ContainerState::getTerminated).isPresent()) {
                    return true;
                }
                Thread.sleep(250);
            } catch (RuntimeException e) {
                return stopped;
            } catch (InterruptedException e) {
                return true;
            }
        } while (System.nanoTime() < until && !stopped);
        return stopped;
    }

    private static Instant timestamp(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
