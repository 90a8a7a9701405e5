package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A stage this version of cd4ml cannot run yet (validated in {@code config.yaml}, never faked):
 * reported as not available when configured, and failing the run when the front end requests it.
 * A gating stage that is not available keeps the model from being promoted or shipped.
 */
final class NotAvailableStage implements Stage {

    private final String name;
    private final Predicate<ProjectConfig> configured;
    private final String section;
    private final boolean gates;

    NotAvailableStage(String name, Predicate<ProjectConfig> configured, String section, boolean gates) {
        this.name = name;
        this.configured = configured;
        this.section = section;
        this.gates = gates;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean configured(ProjectConfig config) {
        return configured.test(config);
    }

    @Override
    public String whyNotConfigured(ProjectConfig config) {
        return "no " + section + " section";
    }

    @Override
    public boolean available() {
        return false;
    }

    @Override
    public boolean gates() {
        return gates;
    }

    @Override
    public Optional<String> skipReason(RunState state) {
        return state.requested(name) ? Optional.empty() : Optional.of("not requested");
    }

    @Override
    public String description(RunState state) {
        return name;
    }

    @Override
    public String run(RunState state, EngineContext context) {
        throw new IllegalStateException("the " + name + " stage is not available and must not run");
    }
}
