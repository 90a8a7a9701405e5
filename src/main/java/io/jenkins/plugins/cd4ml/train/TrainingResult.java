package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.io.Serializable;
import java.util.Map;

/**
 * The outcome of a successful training run. Serializable: it crosses the Jenkins
 * controller/agent channel.
 *
 * @param runId the run's id (also the run directory's name)
 * @param backend the backend that trained
 * @param jobId the backend's own job id
 * @param modelUri where the packaged {@code model.tar.gz} is stored
 * @param modelVersion the content-addressed model version
 * @param metrics the metrics, from the log regexes and {@code metrics.json}
 * @param durationSeconds wall-clock time of the whole run
 * @param logLocation where the full training log is kept
 * @param runDirectory the local run directory
 * @param promoted whether the model was promoted (is what {@code LATEST} names) after storing
 */
public record TrainingResult(
        String runId,
        String backend,
        String jobId,
        String modelUri,
        String modelVersion,
        ModelManifest manifest,
        Map<String, Double> metrics,
        double durationSeconds,
        String logLocation,
        String runDirectory,
        boolean promoted) implements Serializable {
}
