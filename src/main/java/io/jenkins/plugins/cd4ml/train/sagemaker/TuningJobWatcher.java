package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.time.Duration;
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
 * {@code ListTrainingJobsForHyperParameterTuningJob} (every page), with {@link JobWatcher}'s
 * rhythm: every 5 s while training jobs appear or end, backing off to every 30 s while nothing
 * changes. Each training job is handed to the listener when it first appears and whenever its
 * status changes. Errors that say nothing about the job are retried at the next poll.
 */
final class TuningJobWatcher {

    static final Duration FIRST_POLL = JobWatcher.FIRST_POLL;
    static final int PAGE_SIZE = 100;
    private static final int TRANSIENT_FAILURES_TOLERATED = 10;

    private final SageMakerClient sagemaker;
    private final AwsErrors errors;
    private final Sleeper sleeper;
    private final EventSink events;
    private final Map<String, TunedTrainingJob> known = new LinkedHashMap<>();

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
        Duration wait = null;
        String status = null;
        int failures = 0;
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException("following tuning job " + name);
            }
            DescribeHyperParameterTuningJobResponse current;
            List<TunedTrainingJob> jobs;
            try {
                current = describe(name);
                jobs = list(name); // after the status, so a finished tuning job's list is final
                failures = 0;
            } catch (Cd4mlException e) {
                if (!AwsErrors.isTransient(e.getCause()) || ++failures > TRANSIENT_FAILURES_TOLERATED) {
                    throw e;
                }
                events.warn("could not read the status of tuning job " + name + " (" + e.getMessage()
                        + "); trying again");
                wait = wait == null ? FIRST_POLL : JobWatcher.longer(wait);
                sleeper.sleep(wait);
                continue;
            }
            String now = current.hyperParameterTuningJobStatusAsString();
            boolean moved = false;
            if (!Objects.equals(now, status)) {
                status = now;
                events.info("SageMaker hyperparameter tuning job " + name + " is " + now);
                moved = true;
            }
            for (TunedTrainingJob job : jobs) {
                TunedTrainingJob before = known.put(job.name(), job);
                if (before == null || !Objects.equals(before.status(), job.status())) {
                    moved = true;
                    listener.accept(job);
                }
            }
            if (isTerminal(now)) {
                TrainingJobStatusCounters counters = current.trainingJobStatusCounters();
                if (counters != null) {
                    events.info("  training jobs: " + counters.completed() + " completed, " + counters.stopped()
                            + " stopped, " + (nonNull(counters.nonRetryableError()) + nonNull(counters.retryableError()))
                            + " failed");
                }
                return new TuningJobOutcome(name, now, current.failureReason(), current.bestTrainingJob() == null
                        ? null : current.bestTrainingJob().trainingJobName(), List.copyOf(known.values()));
            }
            wait = moved || wait == null ? FIRST_POLL : JobWatcher.longer(wait);
            sleeper.sleep(wait);
        }
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
