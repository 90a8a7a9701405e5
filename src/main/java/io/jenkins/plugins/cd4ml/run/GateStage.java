package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployedModel;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.gate.GateResult;
import io.jenkins.plugins.cd4ml.gate.QualityGate;
import io.jenkins.plugins.cd4ml.gate.StoredModels;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import io.jenkins.plugins.cd4ml.tune.Trial;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks the run's model against {@code quality_gate}; a model that fails is stored but never
 * promoted or shipped, and the run fails naming each failed metric and by how much.
 */
final class GateStage implements Stage {

    /** The result name of the gate's verdict. */
    static final String RESULT = "gate";

    private final Optional<String> environment;

    /** @param environment where the run deploys; what {@code compare_to: deployed} (without ENV) compares with */
    GateStage(Optional<String> environment) {
        this.environment = environment;
    }

    @Override
    public String name() {
        return "gate";
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return config.qualityGate().isPresent();
    }

    @Override
    public String whyNotConfigured(ProjectConfig config) {
        return "no quality_gate section";
    }

    @Override
    public boolean gates() {
        return true;
    }

    @Override
    public Optional<String> skipReason(RunState state) {
        return state.output(TrainStage.RESULT, TrainingResult.class).isPresent() ? Optional.empty()
                : Optional.of("no model to check");
    }

    @Override
    public String description(RunState state) {
        return "checking model " + state.model().map(CandidateModel::version).orElse("?") + " against quality_gate";
    }

    @Override
    public String run(RunState state, EngineContext context) {
        TrainingResult training = state.output(TrainStage.RESULT, TrainingResult.class).orElseThrow();
        List<String> thisRun = state.output(TuneStage.RESULT, TuneResult.class).map(t -> t.trials().stream()
                .map(Trial::modelVersion).filter(Objects::nonNull).toList()).orElse(List.of());
        GateResult gate;
        try (ModelLocator models = ModelLocator.forProject(state.config(), context)) {
            gate = QualityGate.forProject(state.config()).withChampions(StoredModels.of(state.config(),
                    models::transfers).excluding(thisRun).withDeployed(env -> DeployedModel.version(state.config(),
                            env, context), environment)).check(training.manifest());
        }
        state.output(RESULT, gate);
        if (!gate.passed()) {
            throw Cd4mlException.workFailed(gate.summary(), "the model is stored but not promoted; improve it, or "
                    + "change quality_gate if the bar is wrong", null);
        }
        return gate.summary() + " (" + gate.comparison() + ")";
    }
}
