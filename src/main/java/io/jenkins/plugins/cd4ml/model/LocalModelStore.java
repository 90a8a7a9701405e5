package io.jenkins.plugins.cd4ml.model;

import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A model store in a directory: {@code <root>/<project>/<version>/model.tar.gz} and
 * {@code model.json}, plus {@code <root>/<project>/LATEST} holding the newest version.
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
        Path target = dir.resolve("model.tar.gz");
        // copy then rename so a reader never sees a half-written artifact
        Path partial = dir.resolve("model.tar.gz.partial");
        Files.copy(archive, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Json.mapper().writeValue(dir.resolve(ModelManifest.FILE_NAME).toFile(), manifest);
        Files.writeString(root.resolve(manifest.project()).resolve("LATEST"), manifest.version() + "\n",
                StandardCharsets.UTF_8);
        return target.toUri().toString();
    }
}
