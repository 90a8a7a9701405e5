package io.jenkins.plugins.cd4ml.train;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A run's copy of SageMaker's {@code /opt/ml} layout on this machine.
 *
 * <pre>
 * input/config/hyperparameters.json   every value a string
 * input/config/inputdataconfig.json
 * input/data/&lt;channel&gt;/
 * model/                              the script writes the model here
 * output/data/                        extra outputs, metrics.json
 * output/failure                      the script's failure text, if it failed
 * training.log                        everything the script printed
 * </pre>
 */
public final class RunDirectory {

    /** Where the layout lives inside a training container. */
    public static final String CONTAINER_ROOT = "/opt/ml";

    private final Path root;

    private RunDirectory(Path root) {
        this.root = root;
    }

    /** Creates the empty layout under {@code root}. */
    public static RunDirectory create(Path root) throws IOException {
        RunDirectory dir = new RunDirectory(root.toAbsolutePath().normalize());
        Files.createDirectories(dir.configDir());
        Files.createDirectories(dir.dataDir());
        Files.createDirectories(dir.modelDir());
        Files.createDirectories(dir.outputDataDir());
        return dir;
    }

    public Path root() {
        return root;
    }

    public Path configDir() {
        return root.resolve("input/config");
    }

    public Path dataDir() {
        return root.resolve("input/data");
    }

    public Path channelDir(String channel) {
        return dataDir().resolve(channel);
    }

    public Path modelDir() {
        return root.resolve("model");
    }

    public Path outputDir() {
        return root.resolve("output");
    }

    public Path outputDataDir() {
        return root.resolve("output/data");
    }

    public Path failureFile() {
        return outputDir().resolve("failure");
    }

    public Path logFile() {
        return root.resolve("training.log");
    }

    /**
     * Writes {@code hyperparameters.json}, {@code inputdataconfig.json} and
     * {@code resourceconfig.json} as SageMaker does.
     */
    public void writeConfig(Map<String, String> hyperparameters, List<String> channels) throws IOException {
        Json.mapper().writeValue(configDir().resolve("hyperparameters.json").toFile(), hyperparameters);
        Map<String, Object> inputs = new LinkedHashMap<>();
        for (String channel : channels) {
            inputs.put(channel, ScriptMode.inputChannelConfig());
        }
        Json.mapper().writeValue(configDir().resolve("inputdataconfig.json").toFile(), inputs);
        Json.mapper().writeValue(configDir().resolve("resourceconfig.json").toFile(), ScriptMode.resourceConfig());
    }

    /** The script's failure text, if it wrote one. */
    public Optional<String> failure() throws IOException {
        if (!Files.isRegularFile(failureFile())) {
            return Optional.empty();
        }
        String text = Files.readString(failureFile(), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /**
     * The SageMaker training-toolkit environment ({@code SM_*}, see {@link ScriptMode}) for a
     * script that sees this layout at {@code mlRoot} (the real path for local runs,
     * {@link #CONTAINER_ROOT} in containers) and its code at {@code moduleDir}.
     */
    public static Map<String, String> environment(String mlRoot, String moduleDir, TrainingJob job, int cpus,
            int gpus) {
        return ScriptMode.environment(mlRoot, moduleDir, job, cpus, gpus);
    }

    private static String json(Object value) {
        try {
            return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("plain values always serialize", e);
        }
    }
}
