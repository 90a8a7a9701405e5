package io.jenkins.plugins.cd4ml.train;

import java.util.Map;

/**
 * What a backend reports about a finished run.
 *
 * @param jobId the backend's own id (process id, container id, Job name, training job name)
 * @param metrics metrics the backend itself reported (e.g. SageMaker final metrics); may be empty
 * @param logLocation where the full log lives on the backend (a file, a CloudWatch stream)
 */
public record BackendRun(String jobId, Map<String, Double> metrics, String logLocation) {
}
