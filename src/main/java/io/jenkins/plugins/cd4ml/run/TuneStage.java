package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import io.jenkins.plugins.cd4ml.tune.TrialStatus;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import io.jenkins.plugins.cd4ml.tune.Tuner;
import java.util.function.UnaryOperator;

/**
 * Searches the hyperparameters instead of a single training when the project has a {@code tune}
 * section; every trial is stored, none promoted, and the best trial's model is the run's model.
 */
final class TuneStage implements Stage {

    /** The result name of the tune result. */
    static final String RESULT = "tune";

    private final UnaryOperator<Trainer> setup;

    TuneStage(UnaryOperator<Trainer> setup) {
        this.setup = setup;
    }

    @Override
    public String name() {
        return "tune";
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return config.tune().isPresent();
    }

    @Override
    public String whyNotConfigured(ProjectConfig config) {
        return "no tune section";
    }

    @Override
    public String description(RunState state) {
        TuneConfig tune = state.config().tune().orElseThrow();
        return "searching " + String.join(", ", tune.parameters().keySet()) + " (" + tune.strategy() + ", "
                + tune.maxTrials() + " trials, " + tune.parallelTrials() + " at a time) on "
                + state.config().train().backend().configName();
    }

    @Override
    public String run(RunState state, EngineContext context) {
        TuneResult tune = Tuner.forProject(state.config(), context).withTrainer(setup).call();
        state.output(RESULT, tune);
        if (!tune.succeeded()) {
            throw Cd4mlException.workFailed("the tune failed: " + tune.error(), tune.search().startsWith("SageMaker")
                    ? "read the training jobs' logs in CloudWatch Logs /aws/sagemaker/TrainingJobs, streams "
                            + tune.tuneId() + "-*" : "read the failed trials' logs in .cd4ml/runs/" + tune.tuneId()
                            + "-t<number>/", null);
        }
        TrainingResult best = tune.bestTraining();
        state.output(TrainStage.RESULT, best);
        state.model(new CandidateModel(best.modelVersion(), best.modelUri(), best.metrics()));
        return "best of " + tune.trials().size() + " trials: trial " + tune.best().number() + ", " + tune.objective()
                + "=" + MetricFormat.format(tune.best().value()) + " (model " + best.modelVersion() + "); "
                + tune.count(TrialStatus.COMPLETED) + " completed, " + tune.count(TrialStatus.PRUNED) + " pruned, "
                + tune.count(TrialStatus.FAILED) + " failed in " + String.format("%.1f s", tune.durationSeconds());
    }
}
