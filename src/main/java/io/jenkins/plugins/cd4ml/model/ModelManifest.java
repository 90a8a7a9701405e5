package io.jenkins.plugins.cd4ml.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a trained model is and where it came from; written as {@code model.json} inside the model
 * artifact, next to it in the model store, and into serving image labels.
 *
 * @param version the content-addressed model version (first 12 hex digits of {@code digest})
 * @param digest {@code sha256:<hex>} of the model files (not of the archive, which holds this manifest)
 * @param data the data each channel held, with its content hash
 * @param hyperparameters the hyperparameters as the script received them (text)
 */
public record ModelManifest(
        int schema,
        String project,
        String version,
        String digest,
        Instant created,
        Optional<GitInfo> git,
        String target,
        List<String> classes,
        Optional<String> idField,
        List<DataInput> data,
        Map<String, String> hyperparameters,
        Map<String, Double> metrics,
        BackendInfo backend,
        String runId) {

    /** The manifest format written by this engine. */
    public static final int SCHEMA = 1;

    /** The file name of the manifest inside and beside an artifact. */
    public static final String FILE_NAME = "model.json";

    /** The commit the model was trained from. */
    public record GitInfo(String commit, @JsonProperty("short") String shortCommit, boolean dirty) {
    }

    /** One input channel: where it came from and a hash of its content. */
    public record DataInput(String channel, String uri, String sha256) {
    }

    /** Which backend trained the model and its job id there. */
    public record BackendInfo(String name, String jobId) {
    }
}
