package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml build-image}: bakes a trained model into the serving image. */
@Command(name = "build-image", mixinStandardHelpOptions = true,
        description = "Build the serving image for a trained model (by default the promoted one, which LATEST "
                + "under train.output names) "
                + "with the configured builder, and push it or write a tarball when asked.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the image was built (and pushed)", "1:the build or push failed, or was stopped",
            "2:bad usage or configuration"})
final class BuildImageCommand extends ProjectCommand {

    @Mixin
    ImageOptions image;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "The model: a model.tar.gz or its directory, a file: or s3:// URI, or a model version. "
                    + "Default: the promoted model (LATEST under train.output).")
    String model;

    @Option(names = "--tarball", paramLabel = "FILE",
            description = "Write the image to this docker-load-able tarball instead of the daemon or a registry.")
    Path tarball;

    @Option(names = "--no-cache",
            description = "Build every layer afresh (docker: no build cache; jib: empty layer caches).")
    boolean noCache;

    @Override
    int run(ProjectConfig config, Console console) {
        EngineContext context = common.context();
        ServingImage build = model == null ? ServingImage.forPromotedModel(config, context)
                : ServingImage.forModel(config, model, context);
        build.withNoCache(noCache);
        if (tarball != null) {
            build.withTarball(tarball);
        }
        ImageResult result = image.apply(build, config, common.environment()).build();
        console.result(result, summary(result));
        return 0;
    }

    static String summary(ImageResult result) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Built %s with %s in %.1f s%n", result.reference(), result.builder(),
                result.durationSeconds()));
        s.append(String.format("  image          %s%n", result.reference()));
        s.append(String.format("  digest         %s%n", result.digest().map(d -> d + " (pushed)")
                .orElse("not pushed; image id " + result.imageId())));
        s.append(String.format("  size           %.1f MB%n", result.sizeBytes() / 1e6));
        s.append(String.format("  model version  %s%n", result.modelVersion()));
        result.tarball().ifPresent(t -> s.append(String.format("  tarball        %s%n", t)));
        return s.toString();
    }
}
