package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.BundledText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The project's {@code requirements.txt} in the training containers cd4ml starts (docker and
 * kubernetes backends): installed with pip before the command runs, as SageMaker's framework
 * containers do with a source directory's requirements. The work is done in the container by the
 * bundled {@value #SCRIPT} (Python standard library only), so that it uses the image's own Python
 * and pip; an image without pip is told to provide the packages itself.
 *
 * <p>Only commands that run Python get it: the requirements are pip's. The local backend installs
 * nothing into the user's interpreter ({@code bin/cd4ml} prepares that one before training).
 */
public final class TrainingRequirements {

    /** The in-container installer, bundled with the engine. */
    public static final String SCRIPT = "cd4ml_requirements.py";
    /** The file it installs, at the project root. */
    public static final String FILE = "requirements.txt";
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
     * The container entry point for {@code command} run from {@code project}: the command itself,
     * or — when it runs Python and the project has a {@value #FILE} — the installer in front of it
     * ({@code python3 -c SCRIPT python3 train.py}), which execs the command once pip is done.
     */
    public static List<String> entrypoint(List<String> command, Path project) {
        if (!runsPython(command) || !Files.isRegularFile(project.resolve(FILE))) {
            return command;
        }
        List<String> entrypoint = new ArrayList<>(List.of(command.get(0), "-c", script()));
        entrypoint.addAll(command);
        return entrypoint;
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
