package io.jenkins.plugins.cd4ml.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Git;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.ServeConfig;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.docker.DockerErrors;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.GitInfoReader;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the serving image of a trained model: the bundled model server with the model baked in.
 *
 * <pre>{@code
 * ImageResult image = ServingImage.forModel(config, "s3://models/iris/3f2a9c1b7d4e/model.tar.gz", context)
 *         .withTag("{git_short_sha}")
 *         .withPush(true)
 *         .build();
 * }</pre>
 *
 * <p>The repository, tag template, base image and builder come from {@code serve.image} unless
 * overridden. The build context is assembled in a temporary directory from the server bundled in
 * the cd4ml jar and the model (its artifact, {@code model.json}, the project's
 * {@code features.yaml} and {@code predict.py}); the image is labelled with the manifest.
 * Credentials found for the registries involved never reach events, messages, labels or layers.
 */
public final class ServingImage {

    private final ProjectConfig config;
    private final Optional<String> model;
    private String repository;
    private String tag;
    private String baseImage;
    private String builderName;
    private ServingImageBuilder builder;
    private boolean push;
    private Path tarball;
    private RegistryCredentials credentials;
    private String pipIndexUrl;
    private boolean noCache;
    private final EngineContext context;
    private final Map<String, String> environment;
    private final EventSink events;
    private Clock clock = Clock.systemUTC();

    private ServingImage(ProjectConfig config, Optional<String> model, EngineContext context) {
        this.config = config;
        this.model = model;
        this.context = context;
        this.environment = context.environment();
        this.events = context.events();
    }

    /**
     * The image for one model.
     *
     * @param model a {@code model.tar.gz} path or its version directory, a {@code file:} or
     *     {@code s3://} URI, or a model version stored under {@code train.output}
     */
    public static ServingImage forModel(ProjectConfig config, String model, EngineContext context) {
        return new ServingImage(config, Optional.of(model), context);
    }

    /**
     * The image for the promoted model under {@code train.output} (the one {@code LATEST} names);
     * a model that was stored but not promoted is never picked.
     */
    public static ServingImage forPromotedModel(ProjectConfig config, EngineContext context) {
        return new ServingImage(config, Optional.empty(), context);
    }

    /** Pushes to (and names the image in) this repository instead of {@code serve.image.repository}. */
    public ServingImage withRepository(String repository) {
        this.repository = repository;
        return this;
    }

    /** Uses this tag or tag template instead of {@code serve.image.tag}. */
    public ServingImage withTag(String tag) {
        this.tag = tag;
        return this;
    }

    /** Starts from this base image instead of {@code serve.image.base} (see {@link BaseImage#parse}). */
    public ServingImage withBaseImage(String baseImage) {
        this.baseImage = baseImage;
        return this;
    }

    /** Builds with {@code auto}, {@code docker} or {@code jib} instead of {@code serve.image.builder}. */
    public ServingImage withBuilder(String name) {
        this.builderName = name;
        return this;
    }

    /** Builds with this builder (and its client). */
    public ServingImage withBuilder(ServingImageBuilder builder) {
        this.builder = builder;
        return this;
    }

    /** Whether to push the image to its registry. Off by default. */
    public ServingImage withPush(boolean push) {
        this.push = push;
        return this;
    }

    /** True if {@link #build()} will push the image to its registry (asked to, and not to a tarball). */
    public boolean pushes() {
        return push && tarball == null;
    }

    /** Writes the image to this {@code docker load}-able tarball instead of a daemon or registry. */
    public ServingImage withTarball(Path tarball) {
        this.tarball = tarball;
        return this;
    }

    /** Where registry credentials come from; {@link RegistryCredentials#defaults} otherwise. */
    public ServingImage withCredentials(RegistryCredentials credentials) {
        this.credentials = credentials;
        return this;
    }

    /** A Python package index for images whose base has pip; it must not contain credentials. */
    public ServingImage withPipIndexUrl(String url) {
        this.pipIndexUrl = url;
        return this;
    }

    /** Builds every layer afresh: no Docker build cache, empty Jib layer caches. Off by default. */
    public ServingImage withNoCache(boolean noCache) {
        this.noCache = noCache;
        return this;
    }

    /** The clock for {@code {date}} and the creation time. */
    public ServingImage withClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /**
     * Checks, before a model exists, that the tag template can be filled, so a run fails before
     * training rather than after.
     *
     * @throws Cd4mlException naming each placeholder that cannot be filled and what to do
     */
    public void checkTag() {
        try {
            TagTemplate.checkFillable(tagTemplate(), tagValues(Optional.empty()));
        } catch (Cd4mlException e) {
            throw e.adviseWith(context.advice());
        }
    }

    /**
     * Why this image cannot be built into the operation's Docker daemon now, or empty when it can:
     * no daemon answers, or the base image is neither on the daemon nor pullable (a machine
     * without Docker Hub, for instance). A base image the daemon lacks is pulled here, so the
     * answer is the build's own. Used where an image is a convenience rather than what was asked
     * for (the local deploy of {@code cd4ml run}, which can smoke-test without one).
     */
    public Optional<String> whyNotBuildableOnDaemon() {
        DockerClient docker = context.clients().docker();
        if (!DockerClients.isAvailable(docker)) {
            return Optional.of("no Docker daemon answers at " + DockerClients.host(environment));
        }
        BaseImage base = baseImage();
        switch (base.source()) {
            case TARBALL -> {
                return Files.isRegularFile(base.tarball()) ? Optional.empty()
                        : Optional.of("the base image tarball " + base.tarball() + " does not exist");
            }
            case DOCKER_DAEMON -> {
                return hasImage(docker, base.reference()) ? Optional.empty()
                        : Optional.of("the Docker daemon has no base image " + base.reference());
            }
            default -> {
                if (hasImage(docker, base.reference())) {
                    return Optional.empty();
                }
                events.info("pulling the base image " + base.reference());
                PullImageCmd pull = docker.pullImageCmd(base.reference());
                RegistryCredentials chain = credentials != null ? credentials
                        : RegistryCredentials.defaults(base.registry(), environment);
                Optional<RegistryCredential> credential = chain.find(base.registry());
                credential.ifPresent(c -> pull.withAuthConfig(new AuthConfig().withUsername(c.username())
                        .withPassword(c.password()).withRegistryAddress(base.registry().equals(ImageNames.DOCKER_HUB)
                        ? AuthConfig.DEFAULT_SERVER_ADDRESS : base.registry())));
                List<String> secrets = new ArrayList<>(chain.secrets());
                credential.ifPresent(c -> secrets.add(c.password()));
                try (CancelToken.Registration stop = context.cancel().interruptOnCancel()) {
                    pull.exec(new PullImageResultCallback()).awaitCompletion();
                    return Optional.empty();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new OperationStoppedException("the pull of the base image " + base.reference());
                } catch (RuntimeException e) {
                    events.info("pulling " + base.reference() + " failed: " + SecretRedactor.of(secrets, environment)
                            .redact(DockerErrors.message(e)).strip());
                    return Optional.of("the base image " + base.reference() + " is not on the Docker daemon and "
                            + "cannot be pulled");
                }
            }
        }
    }

    private static boolean hasImage(DockerClient docker, String reference) {
        try {
            docker.inspectImageCmd(reference).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /**
     * Builds the image (and pushes it or writes the tarball, as asked).
     *
     * @throws Cd4mlException saying what failed and what to do
     * @throws OperationStoppedException if the context's token was cancelled; what was started has been stopped
     */
    public ImageResult build() {
        try (CancelToken.Registration stop = context.cancel().interruptOnCancel()) {
            context.cancel().throwIfCancelled("the image build of " + config.name() + ", before it started");
            return buildImage();
        } catch (Cd4mlException e) {
            throw e.adviseWith(context.advice());
        }
    }

    private ImageResult buildImage() {
        Instant started = clock.instant();
        String repo = repository();
        Path scratch = null;
        try (ModelLocator models = ModelLocator.forProject(config, context)) {
            scratch = Files.createTempDirectory("cd4ml-image-");
            Path archive = models.resolve(model, scratch);
            Path contextDir = Files.createDirectories(scratch.resolve("context"));
            BuildContext.Contents contents = BuildContext.assemble(contextDir, archive, config, events);
            ModelManifest manifest = contents.manifest();
            if (!manifest.project().equals(config.name())) {
                events.warn("the model was trained for project " + manifest.project() + ", not " + config.name());
            }
            String reference = repo + ":" + TagTemplate.fill(tagTemplate(), tagValues(Optional.of(manifest.version())));
            Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            Map<String, String> labels = ImageLabels.of(config.name(), manifest, created,
                    GitInfoReader.read(config.directory()).map(ModelManifest.GitInfo::commit), sourceUrl());
            BaseImage base = baseImage();
            RegistryCredentials chain = credentials != null ? credentials
                    : RegistryCredentials.defaults(ImageNames.registry(reference), environment);
            Optional<RegistryCredential> pushCredential = push && tarball == null
                    ? chain.find(ImageNames.registry(reference)) : Optional.empty();
            Optional<RegistryCredential> baseCredential = base.source() == BaseImage.Source.REGISTRY
                    ? chain.find(base.registry()) : Optional.empty();
            List<String> secrets = new ArrayList<>(chain.secrets());
            pushCredential.ifPresent(c -> secrets.add(c.password()));
            baseCredential.ifPresent(c -> secrets.add(c.password()));
            SecretRedactor redactor = SecretRedactor.of(secrets, environment);
            ImageBuildRequest request = new ImageBuildRequest(reference, contextDir, base, labels, created,
                    push && tarball == null, Optional.ofNullable(tarball).map(Path::toAbsolutePath), pushCredential,
                    baseCredential, pipIndex(), contents.projectRequirements(), noCache);
            ServingImageBuilder chosen = builder != null ? builder
                    : ServingImageBuilders.create(builderName(), context);
            EventSink sink = redactor.redacting(events);
            sink.info("building " + reference + " with " + chosen.name() + " from " + base + " (model "
                    + manifest.version() + ")");
            BuiltImage built;
            try {
                built = chosen.build(request, sink);
            } catch (OperationStoppedException e) {
                throw e;
            } catch (Cd4mlException e) {
                throw redacted(e, redactor);
            }
            return new ImageResult(built.reference(), built.digest(), built.imageId(), built.sizeBytes(),
                    manifest.version(), manifest.digest(), labels, chosen.name(), built.pushed(), built.tarball(),
                    Duration.between(started, clock.instant()).toMillis() / 1000.0);
        } catch (IOException e) {
            throw Cd4mlException.workFailed("could not prepare the image build: " + e.getMessage(),
                    "check free space and permissions in the temporary directory (java.io.tmpdir)", e);
        } finally {
            TemporaryDirectory.deleteQuietly(scratch);
        }
    }

    private String repository() {
        if (repository != null) {
            return repository;
        }
        return config.serve().map(s -> s.image().repository()).orElseThrow(() -> Cd4mlException.badInput(
                "no image repository: " + config.file().getFileName() + " has no serve section",
                "add serve: {image: {repository: registry.example.com/team/" + config.name() + "}} or set "
                        + context.advice().option("repository")));
    }

    private String tagTemplate() {
        if (tag != null) {
            return tag;
        }
        return config.serve().map(s -> s.image().tag()).orElse("{model_version}");
    }

    private String builderName() {
        if (builderName != null) {
            return builderName;
        }
        return config.serve().map(s -> s.image().builder()).orElse("auto");
    }

    private BaseImage baseImage() {
        if (baseImage != null) {
            return BaseImage.parse(baseImage);
        }
        return BaseImage.parse(config.serve().map(ServeConfig::image).flatMap(ServeConfig.Image::base)
                .orElse(BaseImage.DEFAULT));
    }

    private TagTemplate.Values tagValues(Optional<String> modelVersion) {
        String build = environment.get("BUILD_NUMBER");
        return new TagTemplate.Values(
                GitInfoReader.read(config.directory()).map(ModelManifest.GitInfo::shortCommit),
                build == null || build.isBlank() ? Optional.empty() : Optional.of(build.strip()),
                modelVersion, clock.instant());
    }

    /** The project's repository URL: Jenkins' GIT_URL, else the origin remote; never with credentials. */
    private Optional<String> sourceUrl() {
        Optional<String> fromJenkins = ImageLabels.sourceUrl(environment.get("GIT_URL"));
        if (fromJenkins.isPresent()) {
            return fromJenkins;
        }
        return Git.output(config.directory(), "config", "--get", "remote.origin.url").map(String::strip)
                .flatMap(ImageLabels::sourceUrl);
    }

    private Optional<String> pipIndex() {
        String url = pipIndexUrl != null ? pipIndexUrl : environment.get("CD4ML_PIP_INDEX_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        if (url.matches("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*@.*")) {
            throw Cd4mlException.badInput("the pip index URL contains credentials, which would be recorded in the "
                    + "image history", "use an index that the build machine can read without credentials (a proxy "
                    + "on the build network), or bake the packages into the base image");
        }
        return Optional.of(url.strip());
    }

    private static Cd4mlException redacted(Cd4mlException e, SecretRedactor redactor) {
        String message = redactor.redact(e.getMessage());
        Optional<String> suggestion = e.suggestion().map(redactor::redact);
        Throwable cause = e.getCause();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !redactor.redact(t.getMessage()).equals(t.getMessage())) {
                cause = null; // a cause that quotes a secret is dropped, not printed with --stacktrace
                break;
            }
        }
        if (message.equals(e.getMessage()) && suggestion.equals(e.suggestion()) && cause == e.getCause()) {
            return e;
        }
        return new Cd4mlException(message, suggestion.orElse(null), e.isUserError(), cause);
    }
}
