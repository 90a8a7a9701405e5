package io.jenkins.plugins.cd4ml.storage;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.model.ModelStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model store under an S3 prefix, laid out like {@link io.jenkins.plugins.cd4ml.model.LocalModelStore}:
 * {@code <prefix>/<project>/<version>/model.tar.gz}, {@code model.json}, and
 * {@code <prefix>/<project>/LATEST} naming the promoted version.
 */
public final class S3ModelStore implements ModelStore {

    private final S3Transfers transfers;
    private final S3Location root;

    public S3ModelStore(S3Transfers transfers, S3Location root) {
        this.transfers = transfers;
        this.root = root;
    }

    @Override
    public String store(Path archive, ModelManifest manifest) throws IOException {
        S3Location dir = root.child(manifest.project()).child(manifest.version());
        S3Location target = dir.child(ModelArchive.FILE_NAME);
        transfers.upload(archive, target);
        transfers.upload(Json.mapper().writeValueAsString(manifest), "application/json",
                dir.child(ModelManifest.FILE_NAME));
        return target.toString();
    }

    @Override
    public void promote(String project, String version) throws IOException {
        S3Location archive = root.child(project).child(version).child(ModelArchive.FILE_NAME);
        if (!transfers.exists(archive)) {
            throw Cd4mlException.badInput("model " + version + " of " + project + " is not stored at " + archive,
                    "promote a version stored under " + root.child(project));
        }
        transfers.upload(version + "\n", "text/plain", root.child(project).child(LATEST));
    }

    @Override
    public Optional<String> promoted(String project) throws IOException {
        S3Location latest = root.child(project).child(LATEST);
        if (!transfers.exists(latest)) {
            return Optional.empty();
        }
        Path scratch = Files.createTempDirectory("cd4ml-latest-");
        try {
            transfers.download(latest, scratch);
            String version = Files.readString(scratch.resolve(LATEST), StandardCharsets.UTF_8).strip();
            return version.isEmpty() ? Optional.empty() : Optional.of(version);
        } finally {
            TemporaryDirectory.deleteQuietly(scratch);
        }
    }

    @Override
    public String describe(String project) {
        return root.child(project).toString();
    }
}
