package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployTarget;
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
 *
 * <p>A requested local deploy ({@code deploy.target: local}) needs an image in the local Docker
 * daemon too, but there the image is a convenience: where no daemon answers or the base image
 * cannot be had, this stage is skipped, saying why, and the deploy smoke-tests the model with
 * the bundled server as a process instead. Such an image is tagged by model version when the
 * tag template cannot be filled (a project outside Git), since it never leaves this machine.
 */
final class ImageStage implements Stage {

    /** The stage's name. */
    static final String NAME = "image";

    /** The result name of the image result. */
    static final String RESULT = "image";

    /** The tag of a local-deploy-only image whose tag template cannot be filled. */
    private static final String LOCAL_TAG = "{model_version}";

    /** Ends the skip reason of a local-deploy-only image that cannot be built. */
    static final String PROCESS_INSTEAD = ": the local deploy smoke-tests the model as a process instead";

    /** Names a local-deploy-only image when there is no {@code serve.image.repository}. */
    private static final String LOCAL_REPOSITORY_PREFIX = "cd4ml-local/";

    private final UnaryOperator<ServingImage> setup;
    private final Optional<String> environment;

    ImageStage(UnaryOperator<ServingImage> setup, Optional<String> environment) {
        this.setup = setup;
        this.environment = environment;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return config.serve().isPresent() || deploysLocally(config);
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
        if (!state.requested(name()) && !forLocalDeployOnly(state)) {
            Advice advice = state.context().advice();
            return Optional.of("not requested (build it with " + advice.option("build-image") + " or "
                    + advice.option("push") + ", or later with " + advice.operation("build-image") + ")");
        }
        if (state.model().isEmpty()) {
            return Optional.of("no model to build an image of");
        }
        if (!state.requested(name())) {
            return probe(state, state.context()).whyNotBuildableOnDaemon()
                    .map(why -> why + PROCESS_INSTEAD);
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
        return "building the serving image of model " + state.model().map(CandidateModel::version).orElse("?")
                + (state.requested(name()) ? "" : " for the local deploy");
    }

    @Override
    public String run(RunState state, EngineContext context) {
        ServingImage image = setup.apply(withLocalDefaults(state.config(), ServingImage.forModel(state.config(),
                state.model().orElseThrow().uri(), context)));
        if (!state.requested(name())) {
            try {
                image.checkTag();
            } catch (Cd4mlException e) {
                context.events().info("tagging the local image by model version: " + e.getMessage());
                image.withTag(LOCAL_TAG);
            }
        }
        ImageResult built = image.build();
        state.output(RESULT, built);
        return built.reference() + " " + built.digest().map(d -> "pushed as " + d).orElse("(not pushed; image id "
                + built.imageId().substring(0, Math.min(19, built.imageId().length())) + ")") + " with "
                + built.builder();
    }

    /** True when the image is built only because a local deploy was requested, not asked for itself. */
    private boolean forLocalDeployOnly(RunState state) {
        return !state.requested(name()) && state.requested(DeployStage.NAME) && deploysLocally(state.config());
    }

    private boolean deploysLocally(ProjectConfig config) {
        if (config.deploy().isEmpty()) {
            return false;
        }
        try {
            return DeployTarget.of(config, environment).target().equals("local");
        } catch (Cd4mlException e) {
            return false; // an unknown environment is the deploy stage's to report
        }
    }

    private ServingImage probe(RunState state, EngineContext context) {
        return setup.apply(withLocalDefaults(state.config(), ServingImage.forPromotedModel(state.config(), context)));
    }

    /** Without a serve section the image (only ever local) is named after the project. */
    private static ServingImage withLocalDefaults(ProjectConfig config, ServingImage image) {
        return config.serve().isEmpty() ? image.withRepository(LOCAL_REPOSITORY_PREFIX + config.name()) : image;
    }
}
