package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** Trains the model and stores it, without promoting it: promotion waits for the gate. */
final class TrainStage implements Stage {

    /** The result name of the training result. */
    static final String RESULT = "training";

    private final UnaryOperator<Trainer> setup;

    TrainStage(UnaryOperator<Trainer> setup) {
        this.setup = setup;
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return config.tune().isEmpty();
    }

    @Override
    public String whyNotConfigured(ProjectConfig config) {
        return "the tune section trains instead";
    }

    @Override
    public String description(RunState state) {
        return "training on " + state.config().train().backend().configName();
    }

    @Override
    public String run(RunState state, EngineContext context) {
        TrainingResult training = setup.apply(Trainer.forProject(state.config(), context)).promoting(false).call();
        state.output(RESULT, training);
        state.model(new CandidateModel(training.modelVersion(), training.modelUri(), training.metrics()));
        return "model " + training.modelVersion() + metricsText(training)
                + String.format(" in %.1f s", training.durationSeconds());
    }

    private static String metricsText(TrainingResult training) {
        if (training.metrics().isEmpty()) {
            return "";
        }
        return ", " + training.metrics().entrySet().stream()
                .map(e -> e.getKey() + "=" + MetricFormat.format(e.getValue()))
                .collect(Collectors.joining(" "));
    }
}
