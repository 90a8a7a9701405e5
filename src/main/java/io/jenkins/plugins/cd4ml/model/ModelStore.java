package io.jenkins.plugins.cd4ml.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where packaged models are kept, addressed by project and version: {@code <project>/<version>/}
 * holds {@code model.tar.gz} and {@code model.json}, and {@code <project>/LATEST} names the
 * promoted version, the one {@code build-image} and {@code serve} pick by default.
 *
 * <p>Storing and promoting are separate steps: every trained model (a tuning trial, a model the
 * quality gate rejected) is stored, but only one that passed the configured gate is promoted.
 * Implementations exist per storage (a local directory, an S3 prefix).
 */
public interface ModelStore {

    /** The name of the file that names the promoted version. */
    String LATEST = "LATEST";

    /**
     * Stores an archive and its manifest under {@code <project>/<version>/}; does not promote it.
     *
     * @return the URI of the stored {@code model.tar.gz}
     */
    String store(Path archive, ModelManifest manifest) throws IOException;

    /**
     * Makes {@code version} of {@code project} the promoted model (what {@code LATEST} names).
     *
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException if that version is not stored here
     */
    void promote(String project, String version) throws IOException;

    /** The promoted version of {@code project}, if any. */
    Optional<String> promoted(String project) throws IOException;

    /** Where this store keeps {@code project}'s models, for messages. */
    String describe(String project);
}
