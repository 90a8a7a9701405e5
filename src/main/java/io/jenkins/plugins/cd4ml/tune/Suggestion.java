package io.jenkins.plugins.cd4ml.tune;

import java.util.Map;

/**
 * Hyperparameters a search proposes for one trial.
 *
 * @param number the trial number the search gave it (pass it back to report and tell)
 * @param parameters values as the training script receives them: text
 */
public record Suggestion(int number, Map<String, String> parameters) {
}
