package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.DeployTarget;
import io.jenkins.plugins.cd4ml.deploy.RolloutProblem;
import io.jenkins.plugins.cd4ml.deploy.RunDeployment;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import java.util.Optional;

/**
 * Deploys the run's gated, promoted model where {@code deploy.target} says (Helm release or local
 * container, with its smoke test). Runs only when requested ({@code cd4ml run --deploy}), so a
 * plain run needs no cluster and no Docker.
 */
final class DeployStage implements Stage {

    /** The stage's name. */
    static final String NAME = "deploy";

    /** The result name of the deploy result. */
    static final String RESULT = "deployment";

    private final Optional<String> environment;

    DeployStage(Optional<String> environment) {
        this.environment = environment;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return config.deploy().isPresent();
    }

    @Override
    public String whyNotConfigured(ProjectConfig config) {
        return "no deploy section";
    }

    @Override
    public boolean ships(RunState state) {
        return state.requested(name());
    }

    @Override
    public Optional<String> skipReason(RunState state) {
        if (!state.requested(name())) {
            Advice advice = state.context().advice();
            boolean helm = RunDeployment.needsPush(state.config(), environment);
            return Optional.of("not requested (deploy with " + advice.option("deploy") + (helm ? " and "
                    + advice.option("push") + " (deploy.target is helm)" : "") + ", or later with "
                    + advice.operation("deploy") + ")");
        }
        if (state.model().isEmpty()) {
            return Optional.of("no model to deploy");
        }
        return Optional.empty();
    }

    @Override
    public void check(RunState state, EngineContext context) {
        if (state.requested(name())) {
            DeployTarget.of(state.config(), environment); // an unknown environment fails before training
        }
    }

    @Override
    public String description(RunState state) {
        DeployTarget target = DeployTarget.of(state.config(), environment);
        return "deploying model " + state.model().map(CandidateModel::version).orElse("?") + " ("
                + (target.target().equals("local") ? "local" : target.describe()) + ")";
    }

    @Override
    public String run(RunState state, EngineContext context) {
        String whyNoImage = state.finished(ImageStage.NAME).filter(r -> r.status() == StageStatus.SKIPPED)
                .map(r -> r.summary().replace(ImageStage.PROCESS_INSTEAD, "")).orElse("no serving image was built");
        DeployResult result = RunDeployment.deploy(state.config(), environment,
                state.output(ImageStage.RESULT, ImageResult.class), state.model().orElseThrow().uri(), whyNoImage,
                context);
        state.output(RESULT, result);
        if (!result.succeeded()) {
            throw Cd4mlException.workFailed("deploy " + result.status() + ": " + result.error(), result.problems()
                    .stream().findFirst().map(RolloutProblem::suggestion).orElse("see the deploy's log above"), null);
        }
        return switch (result.status()) {
            case "smoke-tested" -> "model " + state.model().get().version() + " smoke-tested with the bundled server as "
                    + "a process, then stopped (no container: " + whyNoImage + ")";
            default -> result.target().equals("local") ? result.release() + " serves " + result.url()
                    + " (smoke test passed)" : result.release() + " revision " + result.revision() + " in "
                    + result.namespace() + ", " + result.url();
        };
    }
}
