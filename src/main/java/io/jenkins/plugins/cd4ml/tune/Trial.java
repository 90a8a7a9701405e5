package io.jenkins.plugins.cd4ml.tune;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One trial of a tune: a training run with the hyperparameters the search suggested.
 *
 * @param number the trial's number, from 0 in the order trials started
 * @param parameters the tuned hyperparameters as the script received them (text)
 * @param status how it ended
 * @param value the final value of the objective metric; null unless completed (or pruned after reporting)
 * @param series the intermediate values of the objective, in the order the log reported them
 * @param metrics every metric the run reported
 * @param durationSeconds wall time of the trial
 * @param runId the training run's id (its directory under {@code .cd4ml/runs})
 * @param modelVersion the stored model's version; null unless completed
 * @param modelUri where the model is stored; null unless completed
 * @param error why it failed or was stopped; null otherwise
 */
public record Trial(int number, Map<String, String> parameters, TrialStatus status, Double value, List<Double> series,
        Map<String, Double> metrics, double durationSeconds, String runId, String modelVersion, String modelUri,
        String error) implements Serializable {

    private static final long serialVersionUID = 1L;
}
