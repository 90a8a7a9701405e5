package io.jenkins.plugins.cd4ml.deploy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the Docker daemon knows about an image to deploy: the model version in its labels, and
 * the registry digest it was pushed as (so a tag-only reference is deployed pinned).
 */
public final class ImageLookup {

    /** The label cd4ml build-image writes the model version into. */
    public static final String MODEL_VERSION_LABEL = "io.cd4ml.model.version";

    private ImageLookup() {
    }

    /** The image as known to the daemon; empty when the daemon does not have it (or does not answer). */
    public static Optional<Found> inspect(DockerClient docker, ImageReference image) {
        try {
            InspectImageResponse response = docker.inspectImageCmd(image.digest().isEmpty() ? image.toString()
                    : image.repository() + "@" + image.digest()).exec();
            Map<String, String> labels = response.getConfig() == null || response.getConfig().getLabels() == null
                    ? Map.of() : response.getConfig().getLabels();
            List<String> repoDigests = Objects.requireNonNullElse(response.getRepoDigests(), List.of());
            String digest = repoDigests.stream().filter(d -> d.startsWith(image.repository() + "@"))
                    .map(d -> d.substring(d.indexOf('@') + 1)).findFirst().orElse("");
            return Optional.of(new Found(labels.getOrDefault(MODEL_VERSION_LABEL, ""), digest));
        } catch (RuntimeException e) { // DockerException, or the transport failing: the daemon cannot tell
            return Optional.empty();
        }
    }

    /**
     * @param modelVersion the model version label, empty if the image has none
     * @param digest the registry digest the daemon recorded for the image's repository, or empty
     */
    public record Found(String modelVersion, String digest) {
    }
}
