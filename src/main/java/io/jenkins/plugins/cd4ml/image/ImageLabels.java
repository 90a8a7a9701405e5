package io.jenkins.plugins.cd4ml.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The labels of a serving image: OCI annotations ({@code org.opencontainers.image.*}) and the
 * model manifest's essentials ({@code io.cd4ml.*}), so {@code docker inspect} tells which model,
 * trained how, an image serves.
 */
final class ImageLabels {

    static final String PROJECT = "io.cd4ml.project";
    static final String MODEL_VERSION = "io.cd4ml.model.version";

    private ImageLabels() {
    }

    /**
     * @param revision the commit the project directory is at, if known
     * @param source the project's repository URL (without credentials), if known
     */
    static Map<String, String> of(String project, ModelManifest manifest, Instant created, Optional<String> revision,
            Optional<String> source) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("org.opencontainers.image.title", project);
        labels.put("org.opencontainers.image.description", "cd4ml model server for " + project + ", model "
                + manifest.version());
        labels.put("org.opencontainers.image.version", manifest.version());
        revision.ifPresent(r -> labels.put("org.opencontainers.image.revision", r));
        labels.put("org.opencontainers.image.created", created.toString());
        source.ifPresent(s -> labels.put("org.opencontainers.image.source", s));
        labels.put(PROJECT, project);
        labels.put(MODEL_VERSION, manifest.version());
        labels.put("io.cd4ml.model.digest", manifest.digest());
        labels.put("io.cd4ml.model.created", manifest.created().toString());
        labels.put("io.cd4ml.model.metrics", compactJson(manifest.metrics()));
        labels.put("io.cd4ml.model.hyperparameters", compactJson(manifest.hyperparameters()));
        manifest.git().ifPresent(g -> labels.put("io.cd4ml.model.git-commit", g.commit() + (g.dirty() ? "-dirty" : "")));
        labels.put("io.cd4ml.run-id", manifest.runId());
        labels.put("io.cd4ml.backend", manifest.backend().name());
        labels.put("io.cd4ml.backend.job-id", manifest.backend().jobId());
        return labels;
    }

    /** A repository URL fit for a label: user names and passwords stripped. */
    static Optional<String> sourceUrl(String url) {
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        String stripped = url.strip().replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1");
        return Optional.of(stripped);
    }

    private static String compactJson(Object value) {
        try {
            return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metrics and hyperparameters are plain maps", e);
        }
    }
}
