package io.jenkins.plugins.cd4ml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the Python that runs a training script on this machine: {@code CD4ML_PYTHON}, then
 * {@code train.python}, then the system's {@code /usr/bin/python3} (where distributions install
 * their ML packages), then {@code python3} on the PATH.
 */
public final class PythonInterpreter {

    public static final String SYSTEM_PYTHON = "/usr/bin/python3";

    private PythonInterpreter() {
    }

    /** The interpreter to use, as a path or a command name. */
    public static String resolve(Optional<String> configured, Map<String, String> environment) {
        String fromEnv = environment.get("CD4ML_PYTHON");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        if (configured.isPresent()) {
            return configured.get();
        }
        if (Files.isExecutable(Path.of(SYSTEM_PYTHON))) {
            return SYSTEM_PYTHON;
        }
        return "python3";
    }

    /** True if a command word means "the Python interpreter". */
    public static boolean isPythonWord(String word) {
        return word.equals("python") || word.equals("python3");
    }
}
