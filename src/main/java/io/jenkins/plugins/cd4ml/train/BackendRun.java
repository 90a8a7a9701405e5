package io.jenkins.plugins.cd4ml.train;

import java.util.Map;

/**
 * What a backend reports about a finished run.
 *
 * @param jobId the backend's own id (process id, container id, Job name, training job name)
 * @param metrics metrics the backend itself reported (e.g. SageMaker final metrics); may be empty
 * @param logLocation where the full log lives on the backend (a file, a CloudWatch stream)
 * @param hyperparameters the hyperparameters the job really ran with, where they may differ from
 *     the requested ones (a job the backend attached to); empty means "as requested"
 */
public record BackendRun(String jobId, Map<String, Double> metrics, String logLocation,
        Map<String, String> hyperparameters) {

    /** A run that used the requested hyperparameters. */
    public BackendRun(String jobId, Map<String, Double> metrics, String logLocation) {
        this(jobId, metrics, logLocation, Map.of());
    }
}
