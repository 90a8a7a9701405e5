package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.storage.S3Clients;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Finds the {@code model.tar.gz} a serving image is built from: the newest model under
 * {@code train.output} (named by {@code LATEST}), a model version, a local path or
 * {@code file:} URI, or an {@code s3://} URI (downloaded).
 */
final class ModelSource {

    static final String ARCHIVE = "model.tar.gz";
    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}");

    private final ProjectConfig config;
    private final Supplier<S3Transfers> s3;

    ModelSource(ProjectConfig config, Map<String, String> environment) {
        this.config = config;
        this.s3 = () -> new S3Transfers(S3Clients.create(environment, config.train().sagemaker().region()));
    }

    ModelSource(ProjectConfig config, Supplier<S3Transfers> s3) {
        this.config = config;
        this.s3 = s3;
    }

    /**
     * The local archive for {@code model}, downloading into {@code scratch} if needed.
     *
     * @param model a path, {@code file:} or {@code s3://} URI, or model version; empty for the newest model
     */
    Path resolve(Optional<String> model, Path scratch) throws IOException {
        String output = config.train().output();
        if (model.isEmpty()) {
            return output.startsWith("s3://") ? latestInS3(S3Location.parse(output), scratch) : latestLocal();
        }
        String m = model.get().strip();
        try {
            return resolveGiven(m, output, scratch);
        } catch (IllegalArgumentException e) { // from S3Location.parse, URI.create, Path.of on what the user typed
            throw Cd4mlException.badInput("--model " + m + " is not a usable location: " + e.getMessage(),
                    "give a local path, a file: or s3://bucket/key URI, or a model version under train.output");
        }
    }

    private Path resolveGiven(String m, String output, Path scratch) throws IOException {
        if (m.startsWith("s3://")) {
            S3Location location = S3Location.parse(m);
            if (!location.key().endsWith(".tar.gz")) {
                location = location.child(ARCHIVE);
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
            if (output.startsWith("s3://")) {
                return download(S3Location.parse(output).child(config.name()).child(m).child(ARCHIVE), scratch);
            }
            return archiveAt(storeRoot().resolve(m), m);
        }
        throw Cd4mlException.badInput("model " + m + " not found: no such file, and not a model version",
                "give the path of a model.tar.gz (or of its version directory), a file: or s3:// URI, or a version "
                        + "listed under " + storeRoot());
    }

    private Path latestLocal() throws IOException {
        Path latest = storeRoot().resolve("LATEST");
        if (!Files.isRegularFile(latest)) {
            throw Cd4mlException.badInput("no trained model for " + config.name() + " under " + storeRoot(),
                    "train one first (cd4ml train), or pass --model PATH-OR-URI");
        }
        String version = Files.readString(latest, StandardCharsets.UTF_8).strip();
        return archiveAt(storeRoot().resolve(version), "the latest model (" + version + ")");
    }

    private Path latestInS3(S3Location root, Path scratch) throws IOException {
        S3Location project = root.child(config.name());
        Path downloaded = scratch.resolve("latest");
        s3.get().download(project.child("LATEST"), downloaded);
        String version = Files.readString(downloaded.resolve("LATEST"), StandardCharsets.UTF_8).strip();
        return download(project.child(version).child(ARCHIVE), scratch);
    }

    private Path download(S3Location location, Path scratch) throws IOException {
        Path dir = Files.createDirectories(scratch.resolve("download"));
        s3.get().download(location, dir);
        Path archive = dir.resolve(Path.of(location.key()).getFileName().toString());
        if (!Files.isRegularFile(archive)) {
            throw Cd4mlException.workFailed("downloading " + location + " gave no " + archive.getFileName(),
                    "point --model at the model.tar.gz object", null);
        }
        return archive;
    }

    private Path storeRoot() {
        return config.resolve(config.train().output()).resolve(config.name());
    }

    private static Path archiveAt(Path path, String what) {
        Path archive = Files.isDirectory(path) ? path.resolve(ARCHIVE) : path;
        if (!Files.isRegularFile(archive)) {
            throw Cd4mlException.badInput("no model archive at " + archive + " (" + what + ")",
                    "point --model at a model.tar.gz written by cd4ml train, or at its version directory");
        }
        return archive.toAbsolutePath().normalize();
    }
}
