package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.config.TuneConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Creates the search {@code tune.strategy} names. */
public final class Searches {

    private static final String SYSTEM_PYTHON = "/usr/bin/python3";

    private Searches() {
    }

    /**
     * The search for {@code tune}: grid and random in Java, bayesian and hyperband through Optuna.
     *
     * @param environment where {@code CD4ML_OPTUNA_PYTHON} may name the Python that has Optuna
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException (a user error) if the strategy needs Optuna and it is missing
     */
    public static Search create(TuneConfig tune, Map<String, String> environment) {
        return create(tune, environment, Map.of());
    }

    /**
     * As {@link #create(TuneConfig, Map)}; bayesian and hyperband make {@code configured} (the
     * project's {@code train.hyperparameters}) their first trial when it holds a value inside the
     * range of every tuned parameter, so the best trial is never worse than the configured model.
     */
    public static Search create(TuneConfig tune, Map<String, String> environment, Map<String, String> configured) {
        return switch (tune.strategy()) {
            case "grid" -> new GridSearch(tune);
            case "random" -> new RandomSearch(tune);
            default -> OptunaSearch.start(tune, optunaPython(environment), configured);
        };
    }

    /** {@code CD4ML_OPTUNA_PYTHON}, else the system Python (where Debian installs python3-optuna), else python3. */
    static String optunaPython(Map<String, String> environment) {
        String configured = environment.get("CD4ML_OPTUNA_PYTHON");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Files.isExecutable(Path.of(SYSTEM_PYTHON)) ? SYSTEM_PYTHON : "python3";
    }
}
