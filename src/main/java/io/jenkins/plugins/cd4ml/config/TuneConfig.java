package io.jenkins.plugins.cd4ml.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code tune} section: the hyperparameter search.
 *
 * @param strategy grid, random, bayesian or hyperband
 * @param earlyStopping {@code off} or {@code auto} (median rule; hyperband prunes by its own rule)
 * @param seed the seed of the search, so that a run can be repeated
 * @param maxFailedTrials how many trials may fail before the tune fails; empty means half of max_trials
 * @param nativeTuning on the sagemaker backend, whether to use SageMaker's own tuning jobs
 * @param warmStart earlier SageMaker tuning jobs to start from (names), sagemaker native tuning only
 */
public record TuneConfig(
        String objectiveMetric,
        Goal goal,
        String strategy,
        int maxTrials,
        int parallelTrials,
        String earlyStopping,
        Map<String, Parameter> parameters,
        long seed,
        Optional<Integer> maxFailedTrials,
        boolean nativeTuning,
        List<String> warmStart) {

    /** The seed a search uses when {@code tune.seed} is not set. */
    public static final long DEFAULT_SEED = 42;

    /** Whether the objective metric should go up or down. */
    public enum Goal { MAXIMIZE, MINIMIZE }

    /** The search range of one hyperparameter. */
    public record Parameter(String type, Optional<Double> min, Optional<Double> max, String scale,
            List<String> values) {

        /** True for a range searched on a logarithmic scale. */
        public boolean log() {
            return scale.equals("log");
        }
    }

    /** The strategies a search may use. */
    public static final List<String> STRATEGIES = List.of("grid", "random", "bayesian", "hyperband");

    /** How many trials may fail before the whole tune fails. */
    public int failureBudget() {
        return maxFailedTrials.orElse(maxTrials / 2);
    }
}
