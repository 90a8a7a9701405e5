package io.jenkins.plugins.cd4ml.gate;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.model.LocalModelStore;
import io.jenkins.plugins.cd4ml.model.ModelStore;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3ModelStore;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Makes a stored model the project's current one: the model {@code LATEST} names under {@code train.output}. */
public final class Promotion {

    private Promotion() {
    }

    /**
     * Promotes the model of a training run (a trial's, typically) by storing it again, which moves
     * {@code LATEST} to it.
     */
    public static void promote(ProjectConfig config, TrainingResult training, Supplier<S3Transfers> s3) {
        Path archive = Path.of(training.runDirectory()).resolve("model.tar.gz");
        if (!Files.isRegularFile(archive)) {
            throw Cd4mlException.workFailed("cannot promote model " + training.modelVersion() + ": its archive "
                    + archive + " is gone", "run the training or tune again", null);
        }
        String output = config.train().output();
        ModelStore store = output.startsWith("s3://") ? new S3ModelStore(s3.get(), S3Location.parse(output))
                : new LocalModelStore(config.resolve(output));
        try {
            store.store(archive, training.manifest());
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot promote model " + training.modelVersion() + " in " + output + ": "
                    + e.getMessage(), "check that " + output + " is writable", e);
        }
    }
}
