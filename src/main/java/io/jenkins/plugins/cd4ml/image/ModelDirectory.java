package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/** The model directory the bundled server reads, in an image ({@code /opt/ml/model}) or on this machine. */
public final class ModelDirectory {

    /** A script that defines SageMaker's {@code model_fn} serves through the SageMaker handlers. */
    private static final Pattern MODEL_FN = Pattern.compile("(?m)^def model_fn\\s*\\(");

    private ModelDirectory() {
    }

    /**
     * Writes the model directory the server reads: the artifact's files and {@code model.json}, the
     * project's {@code features.yaml}, and its {@code predict.py} if any; without one, a training
     * entry point that defines SageMaker's {@code model_fn} goes in as {@code inference.py}, so a
     * script written for SageMaker script mode also serves unchanged.
     */
    public static void write(Path model, Path modelArchive, ProjectConfig config, EventSink events)
            throws IOException {
        ModelArchive.readManifest(modelArchive); // says so if the file is not a cd4ml model at all
        ModelArchive.extract(modelArchive, model);
        Files.copy(config.features().file(), model.resolve("features.yaml"), StandardCopyOption.REPLACE_EXISTING);
        Path predict = config.directory().resolve("predict.py");
        if (Files.isRegularFile(predict)) {
            if (Files.exists(model.resolve("predict.py"))) {
                events.info("using the project's predict.py instead of the one in the model artifact");
            }
            Files.copy(predict, model.resolve("predict.py"), StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Optional<Path> entrypoint = config.train().entrypoint().map(config::resolve);
        if (entrypoint.isPresent() && Files.isRegularFile(entrypoint.get())
                && MODEL_FN.matcher(Files.readString(entrypoint.get(), StandardCharsets.UTF_8)).find()) {
            events.info("serving with the SageMaker handlers (model_fn) of " + config.train().entrypoint().get());
            Files.copy(entrypoint.get(), model.resolve("inference.py"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
