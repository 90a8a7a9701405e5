package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import io.jenkins.plugins.cd4ml.image.RegistryCredentials;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.image.ServingImageBuilders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Options that change how the serving image is built and where it goes. */
final class ImageOptions {

    /** Where {@code --registry-password-stdin} reads; tests replace it. */
    static InputStream stdin = System.in;

    @Option(names = "--repository", paramLabel = "REPOSITORY",
            description = "Name (and push) the image in this repository instead of serve.image.repository.")
    String repository;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG",
            description = "Tag or tag template instead of serve.image.tag; placeholders {git_short_sha}, "
                    + "{build_number}, {model_version}, {date}.")
    String tag;

    @Option(names = "--builder", paramLabel = "BUILDER", converter = BuilderConverter.class,
            description = "Build with auto (docker if a daemon answers, else jib), docker or jib instead of "
                    + "serve.image.builder.")
    String builder;

    @Option(names = "--push", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Push the image to its registry (default: --no-push).")
    boolean push;

    @Option(names = "--base-image", paramLabel = "IMAGE",
            description = "Base image instead of serve.image.base: a name (registry), docker://NAME (Docker daemon) "
                    + "or tar:///PATH (docker save tarball). Jib needs one that already has the server's Python "
                    + "dependencies.")
    String baseImage;

    @Option(names = "--registry-username", paramLabel = "USER",
            description = "Username for the registry the image is pushed to (with --registry-password-stdin). "
                    + "Default: CD4ML_REGISTRY_USERNAME, then the Docker config.")
    String registryUsername;

    @Option(names = "--registry-password-stdin",
            description = "Read the registry password or token from standard input.")
    boolean registryPasswordStdin;

    @Option(names = "--pip-index-url", paramLabel = "URL",
            description = "Python package index for bases with pip (never with credentials in it).")
    String pipIndexUrl;

    private String password;

    /** Applies the options to an image build of {@code config}'s model. */
    ServingImage apply(ServingImage image, ProjectConfig config, Map<String, String> environment) {
        if (repository != null) {
            image.withRepository(repository);
        }
        if (tag != null) {
            image.withTag(tag);
        }
        if (builder != null) {
            image.withBuilder(builder);
        }
        if (baseImage != null) {
            image.withBaseImage(baseImage);
        }
        if (pipIndexUrl != null) {
            image.withPipIndexUrl(pipIndexUrl);
        }
        String repo = repository != null ? repository
                : config.serve().map(s -> s.image().repository()).orElse(ImageNames.DOCKER_HUB + "/x");
        String registry = ImageNames.registry(repo);
        RegistryCredentials defaults = RegistryCredentials.defaults(registry, environment);
        if (registryUsername != null || registryPasswordStdin) {
            if (registryUsername == null || !registryPasswordStdin) {
                throw Cd4mlException.badInput("--registry-username and --registry-password-stdin go together",
                        "pass both, with the password on standard input (never on the command line): "
                                + "echo \"$TOKEN\" | cd4ml build-image --push --registry-username USER "
                                + "--registry-password-stdin");
            }
            if (password == null) {
                password = readPassword(); // once: a run applies these options to more than one build
            }
            image.withCredentials(RegistryCredentials.explicit(registry, registryUsername, password,
                    "--registry-username").orElse(defaults));
        } else {
            image.withCredentials(defaults);
        }
        return image.withPush(push);
    }

    private static String readPassword() {
        try {
            String password = new String(stdin.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (password.isEmpty()) {
                throw Cd4mlException.badInput("--registry-password-stdin read an empty password",
                        "pipe the password or token in, e.g. printf %s \"$TOKEN\" | cd4ml ...");
            }
            return password;
        } catch (IOException e) {
            throw Cd4mlException.badInput("could not read the registry password from standard input: "
                    + e.getMessage(), "pipe the password in");
        }
    }

    /** Accepts the builder names of serve.image.builder. */
    static final class BuilderConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!ServingImageBuilders.NAMES.contains(value)) {
                throw new TypeConversionException("'" + value + "' is not an image builder; expected one of "
                        + String.join(", ", ServingImageBuilders.NAMES));
            }
            return value;
        }
    }
}
