package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.event.EventSink;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.SecondaryStatusTransition;

/**
 * Follows a training job by polling {@code DescribeTrainingJob} in {@link StatusPoller}'s rhythm:
 * every 5 s while something happens, backing off to every 30 s while nothing does. Reports status
 * and secondary-status transitions as messages and drives the log tail. Errors that say nothing
 * about the job (throttling, a server error, a dropped connection) are retried at the next poll.
 */
final class JobWatcher {

    static final Set<String> TERMINAL = Set.of("Completed", "Failed", "Stopped");

    private final SageMakerClient sagemaker;
    private final AwsErrors errors;
    private final Sleeper sleeper;
    private final EventSink events;

    JobWatcher(SageMakerClient sagemaker, AwsErrors errors, Sleeper sleeper, EventSink events) {
        this.sagemaker = sagemaker;
        this.errors = errors;
        this.sleeper = sleeper;
        this.events = events;
    }

    DescribeTrainingJobResponse describe(String job) throws InterruptedException {
        return errors.call("sagemaker:DescribeTrainingJob", job,
                () -> sagemaker.describeTrainingJob(b -> b.trainingJobName(job)));
    }

    /**
     * Follows {@code job} until it is Completed, Failed or Stopped, and returns that description.
     *
     * @throws InterruptedException if the calling thread is interrupted; the job keeps running
     */
    DescribeTrainingJobResponse followToEnd(String job, CloudWatchLogTail log) throws InterruptedException {
        Transitions transitions = new Transitions(job);
        return new StatusPoller(sleeper, events).pollUntilEnded("training job " + job, () -> describe(job), current -> {
            boolean multipleHosts = current.resourceConfig() != null
                    && Objects.requireNonNullElse(current.resourceConfig().instanceCount(), 1) > 1;
            boolean moved = transitions.report(current);
            // read after the status, so a finished job's log is complete when we return
            moved |= log.poll(multipleHosts) > 0;
            return isTerminal(current.trainingJobStatusAsString()) ? StatusPoller.ended(current)
                    : StatusPoller.running(moved);
        });
    }

    static boolean isTerminal(String status) {
        return status != null && TERMINAL.contains(status);
    }

    /** Remembers what was reported, so each status and secondary-status step is reported once. */
    private final class Transitions {

        private final String job;
        private String status;
        private int steps;
        private String lastStep;

        Transitions(String job) {
            this.job = job;
        }

        boolean report(DescribeTrainingJobResponse d) {
            boolean moved = false;
            String now = d.trainingJobStatusAsString();
            if (!Objects.equals(now, status)) {
                status = now;
                events.info("SageMaker training job " + job + " is " + now);
                moved = true;
            }
            List<SecondaryStatusTransition> history = d.secondaryStatusTransitions();
            if (d.hasSecondaryStatusTransitions() && !history.isEmpty()) {
                for (int i = Math.max(0, steps - 1); i < history.size(); i++) {
                    moved |= step(history.get(i).statusAsString(), history.get(i).statusMessage());
                }
                steps = history.size();
            } else if (d.secondaryStatusAsString() != null) {
                moved |= step(d.secondaryStatusAsString(), null);
            }
            return moved;
        }

        /** Reports a step unless it was the last one reported (SageMaker updates the current step's message). */
        private boolean step(String secondaryStatus, String message) {
            String text = secondaryStatus + (message == null || message.isBlank() ? "" : ": " + message);
            if (text.equals(lastStep)) {
                return false;
            }
            lastStep = text;
            events.info("  " + text);
            return true;
        }
    }
}
