package io.jenkins.plugins.cd4ml.tune;

/**
 * A hyperparameter search driven by ask-and-tell: the tuner asks for a trial's hyperparameters,
 * reports the objective's intermediate values while it trains (the search may answer "prune"),
 * and tells how it ended. Thread-safe: trials run in parallel.
 *
 * <p>Values are in the objective's own direction; the search knows the goal.
 */
public interface Search extends AutoCloseable {

    /** The next trial's hyperparameters, or null when the search space is exhausted (a finished grid). */
    Suggestion ask();

    /**
     * An intermediate value of the objective of a running trial.
     *
     * @param step 1 for the first value the trial reported, 2 for the second, ...
     * @return true if the trial should be stopped now (pruned)
     */
    boolean report(int trial, int step, double value);

    /**
     * How a trial ended.
     *
     * @param value the objective's final value (completed), the last intermediate value (pruned), or null
     */
    void tell(int trial, TrialStatus status, Double value);

    /** A short description for people, such as {@code TPE (Optuna 3.1.0), median pruning}. */
    String describe();

    /** Ends helper processes. */
    @Override
    default void close() {
    }
}
