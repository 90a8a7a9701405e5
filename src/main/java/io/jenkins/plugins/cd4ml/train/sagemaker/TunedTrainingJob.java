package io.jenkins.plugins.cd4ml.train.sagemaker;

import java.time.Instant;
import java.util.Map;

/**
 * One training job a SageMaker hyperparameter tuning job launched, as
 * {@code ListTrainingJobsForHyperParameterTuningJob} describes it.
 *
 * @param name the training job's name (SageMaker's {@code <tuning job>-NNN-xxxxxxxx})
 * @param tunedHyperparameters the values the tuning job chose, as the script received them
 * @param status SageMaker's status: InProgress, Completed, Failed or Stopped (early stopping, or a stop)
 * @param objective the final value of the objective metric; null until reported
 * @param failureReason why it failed; null otherwise
 * @param created when SageMaker created it
 * @param started when training started; null before
 * @param ended when training ended; null before
 */
public record TunedTrainingJob(String name, Map<String, String> tunedHyperparameters, String status, Double objective,
        String failureReason, Instant created, Instant started, Instant ended) {

    /** True once the job is Completed, Failed or Stopped. */
    public boolean finished() {
        return JobWatcher.isTerminal(status);
    }
}
