package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import java.util.List;
import java.util.Optional;

/**
 * Promotes the run's model (makes it what {@code LATEST} names, the default of
 * {@code build-image} and {@code serve}) once every configured gating stage passed; otherwise the
 * model stays stored but not promoted.
 */
final class PromoteStage implements EveryRunStage {

    @Override
    public String name() {
        return "promote";
    }

    @Override
    public Optional<String> skipReason(RunState state) {
        if (state.model().isEmpty()) {
            return Optional.of("no model to promote");
        }
        List<String> notPassed = state.gatesNotPassed();
        if (!notPassed.isEmpty()) {
            return Optional.of("model " + state.model().get().version() + " stored, not promoted: the configured "
                    + String.join(" and ", notPassed) + " stage did not pass it");
        }
        return Optional.empty();
    }

    @Override
    public String description(RunState state) {
        return "promoting model " + state.model().map(CandidateModel::version).orElse("?");
    }

    @Override
    public String run(RunState state, EngineContext context) {
        String version = state.model().orElseThrow().version();
        try (ModelLocator models = ModelLocator.forProject(state.config(), context)) {
            models.promote(version);
        }
        return "model " + version + " is now the LATEST model of " + state.config().name();
    }
}
