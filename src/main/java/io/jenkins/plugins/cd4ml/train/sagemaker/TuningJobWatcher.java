package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.event.EventSink;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeHyperParameterTuningJobResponse;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTrainingJobSummary;
import software.amazon.awssdk.services.sagemaker.model.ListTrainingJobsForHyperParameterTuningJobResponse;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatusCounters;

/**
 * Follows a hyperparameter tuning job by polling {@code DescribeHyperParameterTuningJob} and
 * {@code ListTrainingJobsForHyperParameterTuningJob} (every page), in {@link StatusPoller}'s
 * rhythm: every 5 s while training jobs appear or end, backing off to every 30 s while nothing
 * changes. Each training job is handed to the listener when it first appears and whenever its
 * status changes. Errors that say nothing about the job are retried at the next poll.
 */
final class TuningJobWatcher {

    static final int PAGE_SIZE = 100;

    private final SageMakerClient sagemaker;
    private final AwsErrors errors;
    private final Sleeper sleeper;
    private final EventSink events;
    private final Map<String, TunedTrainingJob> known = new LinkedHashMap<>();
    private String reportedStatus;

    TuningJobWatcher(SageMakerClient sagemaker, AwsErrors errors, Sleeper sleeper, EventSink events) {
        this.sagemaker = sagemaker;
        this.errors = errors;
        this.sleeper = sleeper;
        this.events = events;
    }

    DescribeHyperParameterTuningJobResponse describe(String name) throws InterruptedException {
        return errors.call("sagemaker:DescribeHyperParameterTuningJob", name,
                () -> sagemaker.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name)));
    }

    /**
     * Follows the tuning job until it is Completed, Failed or Stopped.
     *
     * @throws InterruptedException if the calling thread is interrupted; the tuning job keeps running
     */
    TuningJobOutcome followToEnd(String name, Consumer<TunedTrainingJob> listener) throws InterruptedException {
        return new StatusPoller(sleeper, events).pollUntilEnded("tuning job " + name,
                // the list after the status, so a finished tuning job's list is final
                () -> new Poll(describe(name), list(name)), poll -> report(name, poll, listener));
    }

    /** Reports a new status and hands new or changed training jobs to the listener. */
    private StatusPoller.Progress<TuningJobOutcome> report(String name, Poll poll, Consumer<TunedTrainingJob> listener) {
        String now = poll.tuning().hyperParameterTuningJobStatusAsString();
        boolean moved = false;
        if (!Objects.equals(now, reportedStatus)) {
            reportedStatus = now;
            events.info("SageMaker hyperparameter tuning job " + name + " is " + now);
            moved = true;
        }
        for (TunedTrainingJob job : poll.jobs()) {
            TunedTrainingJob before = known.put(job.name(), job);
            if (before == null || !Objects.equals(before.status(), job.status())) {
                moved = true;
                listener.accept(job);
            }
        }
        return isTerminal(now) ? StatusPoller.ended(outcome(name, poll.tuning())) : StatusPoller.running(moved);
    }

    /** What one poll reads: the tuning job and every training job it started. */
    private record Poll(DescribeHyperParameterTuningJobResponse tuning, List<TunedTrainingJob> jobs) {
    }

    private TuningJobOutcome outcome(String name, DescribeHyperParameterTuningJobResponse current) {
        String now = current.hyperParameterTuningJobStatusAsString();
        TrainingJobStatusCounters counters = current.trainingJobStatusCounters();
        if (counters != null) {
            events.info("  training jobs: " + counters.completed() + " completed, " + counters.stopped()
                    + " stopped, " + (nonNull(counters.nonRetryableError()) + nonNull(counters.retryableError()))
                    + " failed");
        }
        return new TuningJobOutcome(name, now, current.failureReason(), current.bestTrainingJob() == null
                ? null : current.bestTrainingJob().trainingJobName(), List.copyOf(known.values()));
    }

    static boolean isTerminal(String status) {
        return JobWatcher.isTerminal(status);
    }

    /** Every training job of the tuning job, oldest first. */
    private List<TunedTrainingJob> list(String name) throws InterruptedException {
        List<TunedTrainingJob> jobs = new ArrayList<>();
        String token = null;
        do {
            String page = token;
            ListTrainingJobsForHyperParameterTuningJobResponse response = errors.call(
                    "sagemaker:ListTrainingJobsForHyperParameterTuningJob", name,
                    () -> sagemaker.listTrainingJobsForHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name)
                            .maxResults(PAGE_SIZE).sortBy("CreationTime").sortOrder("Ascending").nextToken(page)));
            response.trainingJobSummaries().forEach(summary -> jobs.add(of(summary)));
            token = response.nextToken();
        } while (token != null && !token.isEmpty());
        jobs.sort(Comparator.comparing(TunedTrainingJob::created, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(TunedTrainingJob::name));
        return jobs;
    }

    private static TunedTrainingJob of(HyperParameterTrainingJobSummary summary) {
        Double objective = null;
        if (summary.finalHyperParameterTuningJobObjectiveMetric() != null) {
            Float value = summary.finalHyperParameterTuningJobObjectiveMetric().value();
            if (value != null && Float.isFinite(value)) {
                // SageMaker keeps 32-bit values: 0.12f is 0.12, not 0.11999999731779099
                objective = Double.parseDouble(Float.toString(value));
            }
        }
        Instant created = summary.creationTime();
        return new TunedTrainingJob(summary.trainingJobName(), Map.copyOf(summary.tunedHyperParameters()),
                summary.trainingJobStatusAsString(), objective, summary.failureReason(), created,
                summary.trainingStartTime(), summary.trainingEndTime());
    }

    private static int nonNull(Integer value) {
        return value == null ? 0 : value;
    }
}
