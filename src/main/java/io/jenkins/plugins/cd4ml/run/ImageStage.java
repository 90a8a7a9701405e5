package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Builds the serving image of the run's model when the front end requests it (building needs a
 * Docker daemon or a registry with the base image, which a quick local run should not require),
 * and pushes it when asked: pushing ships the model, so it needs every configured gate passed.
 */
final class ImageStage implements Stage {

    /** The result name of the image result. */
    static final String RESULT = "image";

    private final UnaryOperator<ServingImage> setup;

    ImageStage(UnaryOperator<ServingImage> setup) {
        this.setup = setup;
    }

    @Override
    public String name() {
        return "image";
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return config.serve().isPresent();
    }

    @Override
    public String whyNotConfigured(ProjectConfig config) {
        return "no serve section";
    }

    @Override
    public boolean ships(RunState state) {
        return state.requested(name()) && probe(state, state.context()).pushes();
    }

    @Override
    public Optional<String> skipReason(RunState state) {
        if (!state.requested(name())) {
            Advice advice = state.context().advice();
            return Optional.of("not requested (build it with " + advice.option("build-image") + " or "
                    + advice.option("push") + ", or later with " + advice.operation("build-image") + ")");
        }
        if (state.model().isEmpty()) {
            return Optional.of("no model to build an image of");
        }
        return Optional.empty();
    }

    @Override
    public void check(RunState state, EngineContext context) {
        if (state.requested(name())) {
            probe(state, context).checkTag(); // fail before training, not after
        }
    }

    @Override
    public String description(RunState state) {
        return "building the serving image of model " + state.model().map(CandidateModel::version).orElse("?");
    }

    @Override
    public String run(RunState state, EngineContext context) {
        ImageResult built = setup.apply(ServingImage.forModel(state.config(), state.model().orElseThrow().uri(),
                context)).build();
        state.output(RESULT, built);
        return built.reference() + " " + built.digest().map(d -> "pushed as " + d).orElse("(not pushed; image id "
                + built.imageId().substring(0, Math.min(19, built.imageId().length())) + ")") + " with "
                + built.builder();
    }

    private ServingImage probe(RunState state, EngineContext context) {
        return setup.apply(ServingImage.forPromotedModel(state.config(), context));
    }
}
