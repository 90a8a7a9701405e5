package io.jenkins.plugins.cd4ml.storage;

import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.model.ModelStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model store under an S3 prefix, laid out like {@link io.jenkins.plugins.cd4ml.model.LocalModelStore}:
 * {@code <prefix>/<project>/<version>/model.tar.gz}, {@code model.json}, and
 * {@code <prefix>/<project>/LATEST}.
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
        S3Location target = dir.child("model.tar.gz");
        transfers.upload(archive, target);
        transfers.upload(Json.mapper().writeValueAsString(manifest), "application/json",
                dir.child(ModelManifest.FILE_NAME));
        transfers.upload(manifest.version() + "\n", "text/plain", root.child(manifest.project()).child("LATEST"));
        return target.toString();
    }
}
