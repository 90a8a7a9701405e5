package io.jenkins.plugins.cd4ml.image.jib;

import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.DockerClient;
import com.google.cloud.tools.jib.api.DockerDaemonImage;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.event.events.TimerEvent;
import com.google.cloud.tools.jib.event.progress.ProgressEventHandler;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.BaseImage;
import io.jenkins.plugins.cd4ml.image.BuiltImage;
import io.jenkins.plugins.cd4ml.image.ImageBuildRequest;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import io.jenkins.plugins.cd4ml.image.ServingImageBuilder;
import io.jenkins.plugins.cd4ml.image.ServingImageLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Builds serving images without running anything (Jib core): the base image's layers plus three
 * layers, requirements → app → model, with the same entrypoint, environment, user, port and
 * labels the Dockerfile gives. The model layer comes last, so a new model changes only it.
 *
 * <p>Jib cannot {@code RUN pip install}: the base image must already contain the server's Python
 * dependencies (fastapi, uvicorn, scikit-learn, pandas, joblib, prometheus-client, msgpack,
 * PyYAML) and the project's own requirements. It reads the base image from a registry
 * ({@code registry://} or a plain name), the Docker daemon ({@code docker://}) or a tarball
 * ({@code tar://}), and writes the image to a registry (push), a tarball, or the Docker daemon.
 * Plain HTTP is allowed only for registries on this machine ({@code localhost}, {@code 127.*}).
 */
public final class JibServingImageBuilder implements ServingImageBuilder {

    /** Source of Jib's log lines. */
    public static final String SOURCE = "jib";
    static final String SEND_CREDENTIALS_OVER_HTTP = "sendCredentialsOverHttp";
    private static final Pattern LONG_DIGEST = Pattern.compile("(sha256:[0-9a-f]{12})[0-9a-f]{52}");
    private static final Pattern ANSI_STYLE = Pattern.compile("\u001B\\[[0-9;]*m");

    private final DockerClient daemon;
    private Path baseImageLayersCache;

    /** A builder that reads and writes only registries and tarballs. */
    public JibServingImageBuilder() {
        this(null);
    }

    /**
     * A builder that can also read base images from, and load images into, a Docker daemon.
     *
     * @param daemon Jib's client for the daemon (e.g. {@link JibDockerClients#cli})
     */
    public JibServingImageBuilder(DockerClient daemon) {
        this.daemon = daemon;
    }

    /** Keeps base image layers here instead of Jib's default user cache directory. */
    public JibServingImageBuilder withBaseImageLayersCache(Path directory) {
        this.baseImageLayersCache = directory;
        return this;
    }

    @Override
    public String name() {
        return "jib";
    }

    @Override
    public BuiltImage build(ImageBuildRequest request, EventSink events) {
        if (!request.projectRequirements().isEmpty()) {
            events.warn("jib cannot run pip: the project's requirements (" + String.join(", ",
                    request.projectRequirements()) + ") must already be in the base image "
                    + request.baseImage());
        }
        Target target = target(request);
        Path scratchCache = null;
        try {
            JibContainerBuilder jib = from(request.baseImage(), request);
            Path context = request.context();
            Instant fixed = Instant.ofEpochSecond(1);
            jib.setFileEntriesLayers(
                    FileEntriesLayer.builder().setName("requirements")
                            .addEntry(context.resolve(ServingImageLayout.CONTEXT_REQUIREMENTS),
                                    AbsoluteUnixPath.get(ServingImageLayout.IMAGE_REQUIREMENTS),
                                    FilePermissions.DEFAULT_FILE_PERMISSIONS, fixed)
                            .addEntry(context.resolve(ServingImageLayout.CONTEXT_CONSTRAINTS),
                                    AbsoluteUnixPath.get(ServingImageLayout.IMAGE_CONSTRAINTS),
                                    FilePermissions.DEFAULT_FILE_PERMISSIONS, fixed)
                            .build(),
                    directoryLayer("app", context.resolve(ServingImageLayout.CONTEXT_APP), ServingImageLayout.IMAGE_APP),
                    directoryLayer("model", context.resolve(ServingImageLayout.CONTEXT_MODEL),
                            ServingImageLayout.IMAGE_MODEL))
                    .setEntrypoint(ServingImageLayout.ENTRYPOINT)
                    .setProgramArguments(ServingImageLayout.COMMAND)
                    .setEnvironment(ServingImageLayout.environment())
                    .setUser(ServingImageLayout.USER)
                    .setExposedPorts(Port.tcp(ServingImageLayout.PORT))
                    .setLabels(request.labels())
                    .setCreationTime(request.created());
            Containerizer containerizer = target.containerizer()
                    .setToolName("cd4ml")
                    .setAllowInsecureRegistries(allowInsecure(request))
                    .addEventHandler(LogEvent.class, log -> log(log, events))
                    .addEventHandler(ProgressEvent.class, new ProgressEventHandler(progress(events)));
            if (request.noCache()) {
                scratchCache = Files.createTempDirectory("cd4ml-jib-cache-");
                containerizer.setBaseImageLayersCache(scratchCache.resolve("base"))
                        .setApplicationLayersCache(scratchCache.resolve("application"));
            } else if (baseImageLayersCache != null) {
                containerizer.setBaseImageLayersCache(baseImageLayersCache);
            }
            if (request.push()) {
                events.info("pushing " + request.reference() + request.pushCredential()
                        .map(c -> " as " + c.username() + " (credentials from " + c.source() + ")")
                        .orElse(" anonymously"));
            }
            JibContainer container = containerize(jib, containerizer, allowInsecure(request));
            String digest = container.getDigest().toString();
            long size = target.size(request, digest);
            if (request.push()) {
                events.info("pushed " + ImageNames.repository(request.reference()) + "@" + digest);
            }
            return new BuiltImage(request.reference(), container.getImageId().toString(),
                    request.push() ? Optional.of(digest) : Optional.empty(), size, container.isImagePushed(),
                    request.tarball().map(Path::toString));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("the jib build of " + request.reference());
        } catch (ExecutionException e) {
            throw JibFailures.explain(e.getCause() == null ? e : e.getCause(), request);
        } catch (RegistryException | IOException | CacheDirectoryCreationException e) {
            throw JibFailures.explain(e, request);
        } finally {
            TemporaryDirectory.deleteQuietly(scratchCache);
        }
    }

    /**
     * Jib sends credentials over plain HTTP only when the {@value #SEND_CREDENTIALS_OVER_HTTP} system
     * property says so; cd4ml allows that for registries on this machine alone, for this build only.
     *
     * <p>jib-core 0.27 reads the property exactly once per build, when {@code containerize} turns
     * the containerizer into its build context (into the {@code FailoverHttpClient} of that build);
     * nothing reads it later. Right after that, on the calling thread, {@code containerize} starts
     * its timer, whose first {@link TimerEvent} is this build's first timer event. So the property
     * is set, under one lock for the JVM, only from the start of {@code containerize} until that
     * event, then restored: cd4ml builds that start meanwhile wait, so none inherits another's
     * setting, and the steps that talk to registries run with the property as it was. A build
     * that reads no local registry never sets it (without {@code setAllowInsecureRegistries} Jib
     * uses no plain HTTP, so the property cannot matter).
     */
    private static JibContainer containerize(JibContainerBuilder jib, Containerizer containerizer, boolean local)
            throws InterruptedException, RegistryException, IOException, CacheDirectoryCreationException,
            ExecutionException {
        if (!local) {
            return jib.containerize(containerizer);
        }
        try (HttpCredentialsWindow window = HttpCredentialsWindow.open()) {
            containerizer.addEventHandler(TimerEvent.class, event -> window.close());
            return jib.containerize(containerizer);
        }
    }

    private JibContainerBuilder from(BaseImage base, ImageBuildRequest request) {
        try {
            return switch (base.source()) {
                case REGISTRY -> {
                    RegistryImage image = RegistryImage.named(base.reference());
                    request.baseCredential().ifPresent(c -> image.addCredential(c.username(), c.password()));
                    yield Jib.from(image);
                }
                case DOCKER_DAEMON -> {
                    if (daemon == null) {
                        throw Cd4mlException.badInput("the base image " + base + " is in a Docker daemon, but no "
                                + "daemon (or docker command) is available", "name a registry image, or a "
                                + "docker save tarball as tar:///path/base.tar");
                    }
                    yield Jib.from(daemon, DockerDaemonImage.named(base.reference()));
                }
                case TARBALL -> {
                    if (!Files.isRegularFile(base.tarball())) {
                        throw Cd4mlException.badInput("the base image tarball " + base.tarball() + " does not exist",
                                "write it with docker save -o " + base.tarball() + " IMAGE");
                    }
                    yield Jib.from(TarImage.at(base.tarball()));
                }
            };
        } catch (InvalidImageReferenceException e) {
            throw Cd4mlException.badInput("'" + base.reference() + "' is not a valid image reference",
                    "write the base image as [registry/]name[:tag]");
        }
    }

    /** Where the image goes, and how its size is found afterwards. */
    private interface Target {
        Containerizer containerizer();

        long size(ImageBuildRequest request, String digest) throws IOException, RegistryException,
                InterruptedException;
    }

    private Target target(ImageBuildRequest request) {
        try {
            if (request.tarball().isPresent()) {
                Path tarball = request.tarball().get();
                Files.createDirectories(tarball.toAbsolutePath().getParent());
                TarImage image = TarImage.at(tarball).named(request.reference());
                return new FixedTarget(Containerizer.to(image), (r, d) -> Files.size(tarball));
            }
            if (request.push()) {
                RegistryImage image = RegistryImage.named(request.reference());
                request.pushCredential().ifPresent(c -> image.addCredential(c.username(), c.password()));
                return new FixedTarget(Containerizer.to(image),
                        (r, d) -> RegistryManifests.compressedSize(r, d, allowInsecure(r)));
            }
            if (daemon == null) {
                throw Cd4mlException.badInput("jib has nowhere to put " + request.reference() + ": no push, no tarball "
                        + "and no Docker daemon", "pass --push (to " + request.registry() + ") or --tarball FILE");
            }
            DockerDaemonImage image = DockerDaemonImage.named(request.reference());
            ImageReference parsed = ImageReference.parse(request.reference());
            return new FixedTarget(Containerizer.to(daemon, image), (r, d) -> daemon.inspect(parsed).getSize());
        } catch (InvalidImageReferenceException e) {
            throw Cd4mlException.badInput("'" + request.reference() + "' is not a valid image reference",
                    "check serve.image.repository and the tag");
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot write " + request.tarball().orElseThrow() + ": " + e.getMessage(),
                    "check the directory and its permissions", e);
        }
    }

    /** A size lookup that may talk to a registry or daemon. */
    @FunctionalInterface
    private interface SizeLookup {
        long size(ImageBuildRequest request, String digest) throws IOException, RegistryException,
                InterruptedException;
    }

    private record FixedTarget(Containerizer containerizer, SizeLookup lookup) implements Target {
        @Override
        public long size(ImageBuildRequest request, String digest) throws IOException, RegistryException,
                InterruptedException {
            return lookup.size(request, digest);
        }
    }

    static boolean allowInsecure(ImageBuildRequest request) {
        boolean target = request.push() && ImageNames.isLocal(request.registry());
        boolean base = request.baseImage().source() == BaseImage.Source.REGISTRY
                && ImageNames.isLocal(request.baseImage().registry());
        return target || base;
    }

    private static FileEntriesLayer directoryLayer(String name, Path source, String target) throws IOException {
        return FileEntriesLayer.builder().setName(name)
                .addEntryRecursive(source, AbsoluteUnixPath.get(target),
                        (file, inImage) -> Files.isDirectory(file) || Files.isExecutable(file)
                                ? FilePermissions.DEFAULT_FOLDER_PERMISSIONS : FilePermissions.DEFAULT_FILE_PERMISSIONS,
                        (file, inImage) -> Instant.ofEpochSecond(1))
                .build();
    }

    static void log(LogEvent log, EventSink events) {
        String message = ANSI_STYLE.matcher(log.getMessage()).replaceAll(""); // jib colours some warnings
        switch (log.getLevel()) {
            case ERROR, WARN -> events.warn("jib: " + message);
            case LIFECYCLE -> events.accept(new Event.LogLine(SOURCE, message));
            case PROGRESS, INFO -> events.debug("jib: " + message);
            default -> { }
        }
    }

    /** Overall progress in steps of 10%, with what is still running. */
    private static Consumer<ProgressEventHandler.Update> progress(EventSink events) {
        AtomicInteger lastTenth = new AtomicInteger();
        return update -> {
            int tenth = (int) Math.floor(update.getProgress() * 10);
            if (tenth > lastTenth.get() && lastTenth.getAndSet(tenth) < tenth) {
                String doing = update.getUnfinishedLeafTasks().isEmpty() ? ""
                        : " (" + LONG_DIGEST.matcher(String.join(", ", update.getUnfinishedLeafTasks()))
                                .replaceAll("$1…") + ")";
                events.accept(new Event.LogLine(SOURCE, tenth * 10 + "%" + doing));
            }
        };
    }
}
