package io.jenkins.plugins.cd4ml.deploy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
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
     * The image a deploy should name, as every front end resolves it: pinned to the registry digest
     * it was pushed as when the daemon knows one (a tag can move; a digest cannot), and the model
     * version it serves from its label unless the caller gave one. Says what it did on {@code events}.
     *
     * @param context the operation's: its Docker client (a daemon that does not answer leaves the
     *     image as given), events, and the front end's spelling of the model-version option
     * @param modelVersion the model version the caller knows, or empty to read the image's label
     */
    public static Deployable forDeploy(EngineContext context, ImageReference image, Optional<String> modelVersion) {
        DockerClient docker = context.clients().docker();
        Optional<Found> found = DockerClients.isAvailable(docker) ? inspect(docker, image) : Optional.empty();
        ImageReference reference = image;
        if (image.digest().isEmpty() && found.map(f -> !f.digest().isEmpty()).orElse(false)) {
            reference = new ImageReference(image.repository(), image.tag(), found.get().digest());
            context.events().info("pinning " + image + " to the digest it was pushed as: " + reference.pinned());
        }
        String version = modelVersion.filter(v -> !v.isBlank())
                .orElseGet(() -> found.map(Found::modelVersion).orElse(""));
        if (version.isEmpty()) {
            context.events().warn("cannot tell which model " + image + " serves (the Docker daemon does not have "
                    + "it); pass " + context.advice().option("model-version") + " so the release records it");
        }
        return new Deployable(reference, version);
    }

    /**
     * @param image the reference to deploy, pinned where a digest was known
     * @param modelVersion the model version it serves, empty when unknown
     */
    public record Deployable(ImageReference image, String modelVersion) {
    }

    /**
     * @param modelVersion the model version label, empty if the image has none
     * @param digest the registry digest the daemon recorded for the image's repository, or empty
     */
    public record Found(String modelVersion, String digest) {
    }
}
