package io.jenkins.plugins.cd4ml.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where packaged models are kept, addressed by project and version. Implementations exist per
 * storage (a local directory now, S3 for remote backends).
 */
public interface ModelStore {

    /**
     * Stores an archive and its manifest under {@code <project>/<version>/} and marks it latest.
     *
     * @return the URI of the stored {@code model.tar.gz}
     */
    String store(Path archive, ModelManifest manifest) throws IOException;
}
