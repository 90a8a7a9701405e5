package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the stages of one run share: the project, which optional stages the front end requested,
 * how each earlier stage ended, what each produced, and the model the run carries forward.
 * Owned by one run on one thread.
 */
public final class RunState {

    private final ProjectConfig config;
    private final EngineContext context;
    private final Set<String> requested;
    private final List<Stage> stages;
    private final Map<String, StageResult> finished = new LinkedHashMap<>();
    private final Map<String, Serializable> outputs = new LinkedHashMap<>();
    private CandidateModel model;

    RunState(ProjectConfig config, EngineContext context, Set<String> requested, List<Stage> stages) {
        this.config = config;
        this.context = context;
        this.requested = Set.copyOf(requested);
        this.stages = List.copyOf(stages);
    }

    /** The project. */
    public ProjectConfig config() {
        return config;
    }

    /** The context of the run (its advice words skip reasons for the front end). */
    public EngineContext context() {
        return context;
    }

    /** True if the front end asked for {@code stage} (such as {@code image} for {@code --build-image}). */
    public boolean requested(String stage) {
        return requested.contains(stage);
    }

    /** How {@code stage} ended, if it has. */
    public Optional<StageResult> finished(String stage) {
        return Optional.ofNullable(finished.get(stage));
    }

    /**
     * The configured gating stages (the quality gate) that have not succeeded, by name; empty when
     * the model may be promoted and shipped.
     */
    public List<String> gatesNotPassed() {
        return stages.stream().filter(Stage::gates).filter(s -> s.configured(config))
                .filter(s -> finished(s.name()).map(r -> r.status() != StageStatus.SUCCEEDED).orElse(true))
                .map(Stage::name).toList();
    }

    /** The model the run carries: trained, or chosen by tuning. */
    public Optional<CandidateModel> model() {
        return Optional.ofNullable(model);
    }

    /** Sets the model later stages work on. */
    public void model(CandidateModel model) {
        this.model = model;
    }

    /** What a stage produced, under its result name (such as {@code training}). */
    public <T> Optional<T> output(String name, Class<T> type) {
        return Optional.ofNullable(outputs.get(name)).filter(type::isInstance).map(type::cast);
    }

    /** Records what a stage produced under {@code name}; it becomes a field of the {@link RunResult}. */
    public void output(String name, Serializable value) {
        outputs.put(name, value);
    }

    void finish(StageResult result) {
        finished.put(result.name(), result);
    }

    Map<String, Serializable> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    List<StageResult> results() {
        return List.copyOf(finished.values());
    }
}
