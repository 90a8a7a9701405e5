package io.jenkins.plugins.cd4ml.train.sagemaker;

import java.util.List;

/**
 * How a SageMaker hyperparameter tuning job ended.
 *
 * @param name the tuning job's name
 * @param status Completed, Failed or Stopped
 * @param failureReason SageMaker's reason for a failed tuning job; null otherwise
 * @param bestTrainingJob the name of its best training job ({@code BestTrainingJob}); null if none completed
 * @param jobs every training job it launched, in the order SageMaker created them
 */
public record TuningJobOutcome(String name, String status, String failureReason, String bestTrainingJob,
        List<TunedTrainingJob> jobs) {
}
