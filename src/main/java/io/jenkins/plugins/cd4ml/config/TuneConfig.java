package io.jenkins.plugins.cd4ml.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code tune} section: the hyperparameter search. */
public record TuneConfig(
        String objectiveMetric,
        Goal goal,
        String strategy,
        int maxTrials,
        int parallelTrials,
        String earlyStopping,
        Map<String, Parameter> parameters) {

    /** Whether the objective metric should go up or down. */
    public enum Goal { MAXIMIZE, MINIMIZE }

    /** The search range of one hyperparameter. */
    public record Parameter(String type, Optional<Double> min, Optional<Double> max, String scale,
            List<String> values) {
    }

    /** The strategies a search may use. */
    public static final List<String> STRATEGIES = List.of("grid", "random", "bayesian", "hyperband");
}
