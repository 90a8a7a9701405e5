package io.jenkins.plugins.cd4ml.model;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3ModelStore;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Finds a project's models and promotes them: the model store under {@code train.output}, and
 * the {@code model.tar.gz} a model reference names — the promoted model ({@code LATEST}) when no
 * reference is given, a model version, a local path or {@code file:} URI, or an {@code s3://} URI
 * (downloaded).
 *
 * <pre>{@code
 * try (ModelLocator models = ModelLocator.forProject(config, context)) {
 *     models.promote(result.modelVersion());
 *     Path archive = models.resolve(Optional.empty(), scratch); // the promoted model
 * }
 * }</pre>
 */
public final class ModelLocator implements AutoCloseable {

    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}");

    private final ProjectConfig config;
    private final Supplier<S3Transfers> s3;
    private final Advice advice;
    private final AutoCloseable closer;
    private ModelStore store;

    private ModelLocator(ProjectConfig config, Supplier<S3Transfers> s3, Advice advice, AutoCloseable closer) {
        this.config = config;
        this.s3 = s3;
        this.advice = advice;
        this.closer = closer;
    }

    /** The models of {@code config}'s project, with S3 through the context's clients (opened on first use). */
    public static ModelLocator forProject(ProjectConfig config, EngineContext context) {
        S3ClientHolder holder = new S3ClientHolder(() -> context.clients().s3(config.train().sagemaker().region()));
        return new ModelLocator(config, holder::transfers, context.advice(), holder);
    }

    /** The models of {@code config}'s project, with S3 through these transfers (the caller's to close). */
    public static ModelLocator forProject(ProjectConfig config, Supplier<S3Transfers> s3, Advice advice) {
        return new ModelLocator(config, s3, advice, () -> { });
    }

    /** S3 access for this project's models (opened on first use, closed with the locator). */
    public S3Transfers transfers() {
        return s3.get();
    }

    /** The store under {@code train.output}. */
    public synchronized ModelStore store() {
        if (store == null) {
            String output = config.train().output();
            store = output.startsWith("s3://") ? new S3ModelStore(s3.get(), S3Location.parse(output))
                    : new LocalModelStore(config.resolve(output));
        }
        return store;
    }

    /**
     * Makes {@code version} the promoted model, the one {@code build-image} and {@code serve} pick.
     *
     * @throws Cd4mlException if the version is not stored, or the store cannot be written
     */
    public void promote(String version) {
        try {
            store().promote(config.name(), version);
        } catch (IOException e) {
            throw Cd4mlException.workFailed("could not promote model " + version + " of " + config.name() + ": "
                    + e.getMessage(), "check that " + store().describe(config.name()) + " is writable", e);
        }
    }

    /** The promoted version, if one was promoted. */
    public Optional<String> promotedVersion() {
        try {
            return store().promoted(config.name());
        } catch (IOException e) {
            throw Cd4mlException.workFailed("could not read which model of " + config.name() + " is promoted: "
                    + e.getMessage(), "check that " + store().describe(config.name()) + " is readable", e);
        }
    }

    /**
     * The local archive for {@code model}, downloading into {@code scratch} if needed.
     *
     * @param model a path, {@code file:} or {@code s3://} URI, or model version; empty for the promoted model
     * @throws Cd4mlException if there is no such model, or none is promoted
     */
    public Path resolve(Optional<String> model, Path scratch) throws IOException {
        String output = config.train().output();
        if (model.isEmpty()) {
            String version = promotedVersion().orElseThrow(() -> Cd4mlException.badInput("no promoted model of "
                    + config.name() + " under " + store().describe(config.name()) + " (models are promoted by "
                    + "cd4ml train, and by cd4ml run once the configured stages passed)",
                    "train one first (cd4ml train), or name a stored model with " + advice.option("model",
                            "PATH-OR-URI-OR-VERSION")));
            return byVersion(version, output, scratch, "the promoted model (" + version + ")");
        }
        String m = model.get().strip();
        try {
            return resolveGiven(m, output, scratch);
        } catch (IllegalArgumentException e) { // from S3Location.parse, URI.create, Path.of on what the user typed
            throw Cd4mlException.badInput(advice.option("model", m) + " is not a usable location: " + e.getMessage(),
                    "give a local path, a file: or s3://bucket/key URI, or a model version under train.output");
        }
    }

    private Path resolveGiven(String m, String output, Path scratch) throws IOException {
        if (m.startsWith("s3://")) {
            S3Location location = S3Location.parse(m);
            if (!location.key().endsWith(".tar.gz")) {
                location = location.child(ModelArchive.FILE_NAME);
            }
            return download(location, scratch);
        }
        if (m.startsWith("file:")) {
            return archiveAt(Path.of(URI.create(m)), m);
        }
        if (m.contains("://")) {
            throw Cd4mlException.badInput("cannot read a model from " + m, "give a local path, a file: or s3:// URI, "
                    + "or a model version under train.output");
        }
        Path path = Path.of(m);
        if (Files.exists(path)) {
            return archiveAt(path, m);
        }
        if (VERSION.matcher(m).matches()) {
            return byVersion(m, output, scratch, m);
        }
        throw Cd4mlException.badInput("model " + m + " not found: no such file, and not a model version",
                "give the path of a model.tar.gz (or of its version directory), a file: or s3:// URI, or a version "
                        + "listed under " + store().describe(config.name()));
    }

    private Path byVersion(String version, String output, Path scratch, String what) throws IOException {
        if (output.startsWith("s3://")) {
            return download(S3Location.parse(output).child(config.name()).child(version).child(ModelArchive.FILE_NAME),
                    scratch);
        }
        return archiveAt(config.resolve(output).resolve(config.name()).resolve(version), what);
    }

    private Path download(S3Location location, Path scratch) throws IOException {
        Path dir = Files.createDirectories(scratch.resolve("download"));
        s3.get().download(location, dir);
        Path archive = dir.resolve(Path.of(location.key()).getFileName().toString());
        if (!Files.isRegularFile(archive)) {
            throw Cd4mlException.workFailed("downloading " + location + " gave no " + archive.getFileName(),
                    "name the model.tar.gz object itself", null);
        }
        return archive;
    }

    private static Path archiveAt(Path path, String what) {
        Path archive = Files.isDirectory(path) ? path.resolve(ModelArchive.FILE_NAME) : path;
        if (!Files.isRegularFile(archive)) {
            throw Cd4mlException.badInput("no model archive at " + archive + " (" + what + ")",
                    "name a model.tar.gz written by cd4ml train, or its version directory");
        }
        return archive.toAbsolutePath().normalize();
    }

    /** Closes the S3 client this locator opened, if any. */
    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            // closing a client cannot fail in a way the caller could act on
        }
    }

    /** Opens the S3 client on first use and closes it with the locator. */
    private static final class S3ClientHolder implements AutoCloseable {
        private final Supplier<S3Client> factory;
        private S3Client client;
        private S3Transfers transfers;

        S3ClientHolder(Supplier<S3Client> factory) {
            this.factory = factory;
        }

        synchronized S3Transfers transfers() {
            if (transfers == null) {
                client = factory.get();
                transfers = new S3Transfers(client);
            }
            return transfers;
        }

        @Override
        public synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }
}
