package io.jenkins.plugins.cd4ml.image.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.AuthConfigurations;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.BaseImage;
import io.jenkins.plugins.cd4ml.image.BuiltImage;
import io.jenkins.plugins.cd4ml.image.ImageBuildRequest;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import io.jenkins.plugins.cd4ml.image.RegistryCredential;
import io.jenkins.plugins.cd4ml.image.ServingImageBuilder;
import io.jenkins.plugins.cd4ml.image.ServingImageLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds serving images with a Docker daemon from the bundled Dockerfile (docker-java), then pushes
 * them or saves them to a tarball when asked.
 *
 * <p>The build runs with host networking (the daemons cd4ml meets may have no bridge network) and
 * the base image as the {@code BASE_IMAGE} build argument; the daemon uses its local copy or pulls
 * it. Build output streams as {@code LogLine} events from source {@value #BUILD_SOURCE}, push
 * progress from source {@value #PUSH_SOURCE}. Credentials go to the daemon per request, never
 * into the context, build arguments or labels.
 */
public final class DockerServingImageBuilder implements ServingImageBuilder {

    /** Source of build output lines. */
    public static final String BUILD_SOURCE = "docker build";
    /** Source of push progress lines. */
    public static final String PUSH_SOURCE = "docker push";

    private final DockerClient docker;

    public DockerServingImageBuilder(DockerClient docker) {
        this.docker = docker;
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public BuiltImage build(ImageBuildRequest request, EventSink events) {
        if (request.baseImage().source() == BaseImage.Source.TARBALL) {
            throw Cd4mlException.badInput("the docker builder cannot start from a tarball (" + request.baseImage()
                    + ")", "load it first (docker load -i " + request.baseImage().reference() + ") and name the "
                    + "image, or build with --builder jib");
        }
        String imageId = buildImage(request, events);
        Optional<String> digest = Optional.empty();
        if (request.push()) {
            digest = Optional.of(push(request, events));
        }
        Optional<String> tarball = Optional.empty();
        if (request.tarball().isPresent()) {
            tarball = Optional.of(save(request.reference(), request.tarball().get(), events));
        }
        long size = docker.inspectImageCmd(imageId).exec().getSize();
        return new BuiltImage(request.reference(), imageId, digest, size, request.push(), tarball);
    }

    private String buildImage(ImageBuildRequest request, EventSink events) {
        Path context = request.context();
        BuildImageCmd cmd = docker.buildImageCmd()
                .withBaseDirectory(context.toFile())
                .withDockerfile(context.resolve(ServingImageLayout.CONTEXT_DOCKERFILE).toFile())
                .withBuildArg("BASE_IMAGE", request.baseImage().reference())
                .withNetworkMode("host")
                .withLabels(request.labels())
                .withTags(Set.of(request.reference()))
                .withNoCache(request.noCache())
                .withRemove(true)
                .withForcerm(true);
        request.pipIndexUrl().ifPresent(url -> cmd.withBuildArg("PIP_INDEX_URL", url));
        request.baseCredential().ifPresent(c -> {
            AuthConfigurations auths = new AuthConfigurations();
            auths.addConfig(authConfig(c, request.baseImage().registry()));
            cmd.withBuildAuthConfigs(auths);
        });
        AtomicReference<String> imageId = new AtomicReference<>();
        AtomicReference<String> error = new AtomicReference<>();
        ResultCallback.Adapter<BuildResponseItem> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) {
                    for (String line : item.getStream().split("\n")) {
                        if (!line.isBlank()) {
                            events.accept(new Event.LogLine(BUILD_SOURCE, line.stripTrailing()));
                        }
                    }
                }
                if (item.isErrorIndicated()) {
                    error.set(item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                            ? item.getErrorDetail().getMessage() : item.getError());
                }
                if (item.isBuildSuccessIndicated()) {
                    imageId.set(item.getImageId());
                }
                if (item.getAux() != null && item.getAux().getDigest() != null) {
                    imageId.set(item.getAux().getDigest());
                }
            }
        };
        await(cmd.exec(callback), "the image build of " + request.reference());
        if (error.get() != null) {
            throw buildFailed(request, error.get());
        }
        if (imageId.get() == null) {
            throw Cd4mlException.workFailed("the Docker daemon ended the build of " + request.reference()
                    + " without an image", "run the build again; see the daemon's log if it repeats", null);
        }
        String id = imageId.get();
        return id.startsWith("sha256:") ? id : docker.inspectImageCmd(id).exec().getId();
    }

    private String push(ImageBuildRequest request, EventSink events) {
        String repository = ImageNames.repository(request.reference());
        String tag = ImageNames.tag(request.reference());
        events.info("pushing " + request.reference() + (request.pushCredential()
                .map(c -> " as " + c.username() + " (credentials from " + c.source() + ")").orElse(" anonymously")));
        PushProgress progress = new PushProgress(events);
        AtomicReference<String> digest = new AtomicReference<>();
        AtomicReference<String> error = new AtomicReference<>();
        var cmd = docker.pushImageCmd(repository).withTag(tag);
        request.pushCredential().ifPresent(c -> cmd.withAuthConfig(authConfig(c, request.registry())));
        ResultCallback.Adapter<PushResponseItem> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(PushResponseItem item) {
                if (item.isErrorIndicated()) {
                    error.set(item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                            ? item.getErrorDetail().getMessage() : item.getError());
                    return;
                }
                if (item.getAux() != null && item.getAux().getDigest() != null) {
                    digest.set(item.getAux().getDigest());
                }
                progress.accept(item);
            }
        };
        try {
            await(cmd.exec(callback), "the push of " + request.reference());
        } catch (DockerException e) {
            error.set(e.getMessage());
        }
        if (error.get() != null) {
            throw pushFailed(request, error.get());
        }
        if (digest.get() == null) {
            throw Cd4mlException.workFailed("the Docker daemon pushed " + request.reference() + " but reported no "
                    + "digest", "check the registry; run the push again", null);
        }
        events.info("pushed " + repository + "@" + digest.get());
        return digest.get();
    }

    private String save(String reference, Path tarball, EventSink events) {
        try {
            Files.createDirectories(tarball.toAbsolutePath().getParent());
            Path partial = tarball.resolveSibling(tarball.getFileName() + ".partial");
            try (InputStream in = docker.saveImageCmd(ImageNames.repository(reference))
                    .withTag(ImageNames.tag(reference)).exec()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(partial, tarball, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            events.info("wrote " + tarball + " (" + Files.size(tarball) / 1_000_000 + " MB)");
            return tarball.toString();
        } catch (IOException e) {
            throw Cd4mlException.workFailed("could not write " + tarball + ": " + e.getMessage(),
                    "check free space and permissions there", e);
        }
    }

    private static void await(ResultCallback.Adapter<?> callback, String what) {
        try {
            callback.awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            try {
                callback.close(); // hanging up makes the daemon cancel the build or push
            } catch (IOException ignored) {
                // already stopping
            }
            throw new OperationStoppedException(what);
        }
    }

    private static AuthConfig authConfig(RegistryCredential credential, String registry) {
        return new AuthConfig().withUsername(credential.username()).withPassword(credential.password())
                .withRegistryAddress(registry.equals(ImageNames.DOCKER_HUB) ? AuthConfig.DEFAULT_SERVER_ADDRESS
                        : registry);
    }

    private static Cd4mlException buildFailed(ImageBuildRequest request, String error) {
        String lower = error.toLowerCase(Locale.ROOT);
        String base = request.baseImage().reference();
        String suggestion;
        if (lower.contains("pull access denied") || lower.contains("manifest unknown") || lower.contains("not found")
                || lower.contains("no such host") || lower.contains("dial tcp") || lower.contains("i/o timeout")) {
            suggestion = "the daemon has no base image " + base + " and could not pull it; pull or load it first, or "
                    + "set serve.image.base (or --base-image) to an image the daemon has";
        } else if (lower.contains("pip")) {
            suggestion = "installing the Python requirements failed; check requirements.txt and that the build can "
                    + "reach the package index (--pip-index-url), or use a base image that already has them";
        } else {
            suggestion = "see the build output above";
        }
        return Cd4mlException.workFailed("building " + request.reference() + " failed: " + error.strip(), suggestion,
                null);
    }

    private static Cd4mlException pushFailed(ImageBuildRequest request, String error) {
        String lower = error.toLowerCase(Locale.ROOT);
        String registry = request.registry();
        if (lower.contains("unauthorized") || lower.contains("authentication required") || lower.contains("denied")) {
            String who = request.pushCredential().map(c -> "the credentials for " + c.username() + " from "
                    + c.source()).orElse("anonymous access (no credentials found)");
            return Cd4mlException.workFailed("the registry " + registry + " refused the push of " + request.reference()
                    + " with " + who + ": " + error.strip(), "check the username and password or token (--registry-"
                    + "username with --registry-password-stdin, CD4ML_REGISTRY_USERNAME/CD4ML_REGISTRY_PASSWORD, or "
                    + "docker login " + registry + ") and that it may push to " + ImageNames.repository(
                            request.reference()), null);
        }
        return Cd4mlException.workFailed("pushing " + request.reference() + " failed: " + error.strip(),
                "check that " + registry + " is reachable from the Docker daemon"
                        + (ImageNames.isLocal(registry) ? "" : " (and trusted: a plain-HTTP registry must be in the "
                                + "daemon's insecure-registries)"), null);
    }
}
