package io.jenkins.plugins.cd4ml.model;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A model store in a directory: {@code <root>/<project>/<version>/model.tar.gz} and
 * {@code model.json}, plus {@code <root>/<project>/LATEST} naming the promoted version.
 */
public final class LocalModelStore implements ModelStore {

    private final Path root;

    public LocalModelStore(Path root) {
        this.root = root;
    }

    @Override
    public String store(Path archive, ModelManifest manifest) throws IOException {
        Path dir = root.resolve(manifest.project()).resolve(manifest.version());
        Files.createDirectories(dir);
        Path target = dir.resolve(ModelArchive.FILE_NAME);
        // copy then rename so a reader never sees a half-written artifact
        Path partial = dir.resolve(ModelArchive.FILE_NAME + ".partial");
        Files.copy(archive, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Json.mapper().writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), manifest);
        return target.toUri().toString();
    }

    @Override
    public void promote(String project, String version) throws IOException {
        Path projectDir = root.resolve(project);
        if (!Files.isRegularFile(projectDir.resolve(version).resolve(ModelArchive.FILE_NAME))) {
            throw Cd4mlException.badInput("model " + version + " of " + project + " is not stored under " + projectDir,
                    "promote a version listed there (each trained model has a directory named by its version)");
        }
        // write then rename so a reader sees the old or the new version, never an empty file
        Path partial = projectDir.resolve(LATEST + ".partial");
        Files.writeString(partial, version + "\n", StandardCharsets.UTF_8);
        Files.move(partial, projectDir.resolve(LATEST), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public Optional<String> promoted(String project) throws IOException {
        Path latest = root.resolve(project).resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            return Optional.empty();
        }
        String version = Files.readString(latest, StandardCharsets.UTF_8).strip();
        return version.isEmpty() ? Optional.empty() : Optional.of(version);
    }

    @Override
    public String describe(String project) {
        return root.resolve(project).toString();
    }

    /** The directory of {@code project}'s models. */
    public Path projectDirectory(String project) {
        return root.resolve(project);
    }
}
