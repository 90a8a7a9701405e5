package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.BundledText;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The project's {@code requirements.txt} in the training containers cd4ml starts (docker and
 * kubernetes backends): installed with pip before the command runs, as SageMaker's framework
 * containers do with a source directory's requirements. The work is done in the container by the
 * bundled {@value #SCRIPT} (Python standard library only), so that it uses the image's own Python
 * and pip; an image without pip is told to provide the packages itself.
 *
 * <p>The same script records the library versions of the training interpreter (Python,
 * scikit-learn, every package {@code requirements.txt} names) in {@value #VERSIONS_FILE} in the
 * output data directory, on every backend; the trainer puts them into {@code model.json}
 * ({@link #recordedEnvironment}).
 *
 * <p>Only commands that run Python get it: the requirements are pip's. The local backend installs
 * nothing into the user's interpreter ({@code bin/cd4ml} prepares that one before training); it
 * only records its versions ({@link #recordingCommand}).
 */
public final class TrainingRequirements {

    /** The in-container installer, bundled with the engine. */
    public static final String SCRIPT = "cd4ml_requirements.py";
    /** The file it installs, at the project root. */
    public static final String FILE = "requirements.txt";
    /** Where it records the training environment's library versions, in the output data directory. */
    public static final String VERSIONS_FILE = "cd4ml-environment.json";
    /** The pip settings of cd4ml's environment that reach the containers (a private package index). */
    static final List<String> PIP_SETTINGS = List.of("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST");

    /** The same names as {@code runs_python} in {@value #SCRIPT}, which the kubernetes bootstrap uses. */
    private static final Pattern PYTHON = Pattern.compile("(.*/)?python(\\d+(\\.\\d+)?)?");

    private TrainingRequirements() {
    }

    /** Whether {@code command} runs a Python interpreter ({@code python}, {@code python3}, {@code /usr/bin/python3.11}, …). */
    public static boolean runsPython(List<String> command) {
        return !command.isEmpty() && PYTHON.matcher(command.get(0)).matches();
    }

    /**
     * The container entry point for {@code command}: the command itself, or — when it runs Python —
     * the script in front of it ({@code python3 -c SCRIPT python3 train.py}), which installs
     * {@value #FILE} if the project has one, records the versions and execs the command.
     */
    public static List<String> entrypoint(List<String> command) {
        if (!runsPython(command)) {
            return command;
        }
        List<String> entrypoint = new ArrayList<>(List.of(command.get(0), "-c", script()));
        entrypoint.addAll(command);
        return entrypoint;
    }

    /**
     * The command that records {@code python}'s library versions into {@code outputDataDir}, run
     * from the project directory before a local training command.
     */
    public static List<String> recordingCommand(String python, Path outputDataDir) {
        return List.of(python, "-c", script(), "--record-only", outputDataDir.toString());
    }

    /**
     * The versions the training environment recorded in {@code outputDataDir}, if it did (not for
     * commands that do not run Python, nor for an unreadable file, which is not worth failing a
     * trained model for).
     */
    public static Optional<ModelManifest.TrainingEnvironment> recordedEnvironment(Path outputDataDir) {
        Path file = outputDataDir.resolve(VERSIONS_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            ModelManifest.TrainingEnvironment found = Json.mapper().readValue(file.toFile(),
                    ModelManifest.TrainingEnvironment.class);
            return found.python() == null ? Optional.empty() : Optional.of(found);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The pip settings from {@code environment} that the containers get, so a private index works there too. */
    public static Map<String, String> pipSettings(Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        for (String name : PIP_SETTINGS) {
            String value = environment.get(name);
            if (value != null && !value.isBlank()) {
                settings.put(name, value);
            }
        }
        return settings;
    }

    /** The text of {@value #SCRIPT}. */
    public static String script() {
        return BundledText.of(TrainingRequirements.class, SCRIPT);
    }
}
