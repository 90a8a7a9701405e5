package io.jenkins.plugins.cd4ml.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Image;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Serving images cd4ml built that a Docker daemon holds, found by their labels. */
public final class LocalImages {

    private LocalImages() {
    }

    /**
     * The newest image in the context's Docker daemon built for {@code config}'s promoted model.
     *
     * @throws Cd4mlException if there is none, saying how to build it
     */
    public static String forPromotedModel(ProjectConfig config, EngineContext context) {
        return forPromotedModel(config, context, context.clients().docker());
    }

    /** As {@link #forPromotedModel(ProjectConfig, EngineContext)}, on this Docker daemon. */
    public static String forPromotedModel(ProjectConfig config, EngineContext context, DockerClient docker) {
        String version;
        Path scratch = null;
        try (ModelLocator models = ModelLocator.forProject(config, context)) {
            scratch = Files.createTempDirectory("cd4ml-serve-");
            version = ModelArchive.readManifest(models.resolve(Optional.empty(), scratch)).version();
        } catch (Cd4mlException e) {
            throw e.adviseWith(context.advice());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TemporaryDirectory.deleteQuietly(scratch);
        }
        List<Image> images = docker.listImagesCmd().withLabelFilter(Map.of(ImageLabels.PROJECT, config.name(),
                ImageLabels.MODEL_VERSION, version)).exec();
        return images.stream().max(Comparator.comparing(Image::getCreated))
                .map(i -> i.getRepoTags() != null && i.getRepoTags().length > 0 && !i.getRepoTags()[0].contains("<none>")
                        ? i.getRepoTags()[0] : i.getId())
                .orElseThrow(() -> Cd4mlException.badInput("the Docker daemon has no serving image of " + config.name()
                        + " model " + version + " (the promoted model)", "build it first (cd4ml build-image), "
                        + "name one with " + context.advice().option("image") + ", or serve without Docker: "
                        + context.advice().option("no-container")));
    }
}
