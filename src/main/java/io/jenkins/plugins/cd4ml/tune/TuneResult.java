package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.Serializable;
import java.util.List;

/**
 * The outcome of a tune: every trial, and the best one.
 *
 * @param tuneId the tune's id; trial {@code n} ran as training run {@code <tuneId>-t<n>}
 * @param strategy {@code tune.strategy}
 * @param search how the strategy searched, for people (sampler, pruner)
 * @param objective the objective metric
 * @param goal {@code maximize} or {@code minimize}
 * @param status {@code succeeded} if a trial completed and failures stayed within the budget, else {@code failed}
 * @param trials every trial that started, by number
 * @param best the best completed trial, or null
 * @param bestTraining the best trial's training result (its stored model), or null
 * @param error why the tune failed, or null
 */
public record TuneResult(String project, String tuneId, String strategy, String search, String objective, String goal,
        String status, List<Trial> trials, Trial best, TrainingResult bestTraining, double durationSeconds,
        String error) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** True if the tune produced a best model. */
    public boolean succeeded() {
        return status.equals("succeeded");
    }

    /** How many trials ended with {@code status}. */
    public long count(TrialStatus status) {
        return trials.stream().filter(t -> t.status() == status).count();
    }
}
