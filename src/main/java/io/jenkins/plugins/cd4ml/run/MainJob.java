package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import io.jenkins.plugins.cd4ml.gate.GateResult;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.report.RunReport;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The whole flow for one commit, as an ordered list of {@link Stage}s sharing one contract:
 * validate → train → tune → gate → promote → image → deploy.
 *
 * <pre>{@code
 * RunResult result = MainJob.forProject(config, context)
 *         .requesting("image")
 *         .withImage(image -> image.withPush(true))
 *         .call();
 * }</pre>
 *
 * <p>Every stage is reported, in order, whatever happens: skipped when not configured or not
 * requested; not available when configured but this version cannot run it (never faked); failed,
 * after which the rest are not run; stopped when the context's token is cancelled. A stage that is
 * requested but cannot run fails the run before any stage starts, and so does asking to ship
 * (push, deploy) a model that a configured gate cannot check: only a model that passed every
 * configured gate is promoted or shipped.
 */
public final class MainJob {

    private final ProjectConfig config;
    private final EngineContext context;
    private final Set<String> requested = new HashSet<>();
    private UnaryOperator<Trainer> trainerSetup = UnaryOperator.identity();
    private UnaryOperator<ServingImage> imageSetup = UnaryOperator.identity();
    private String environment;
    private List<Stage> stages;

    private MainJob(ProjectConfig config, EngineContext context) {
        this.config = config;
        this.context = context;
    }

    /** The main job for a validated project (validation itself is the front end's work, reported as the first stage). */
    public static MainJob forProject(ProjectConfig config, EngineContext context) {
        return new MainJob(config, context);
    }

    /** The stages of the job, in order. */
    public List<Stage> stages() {
        if (stages == null) {
            stages = List.of(
                    new ValidateStage(),
                    new TrainStage(trainerSetup),
                    new TuneStage(trainerSetup),
                    new GateStage(Optional.ofNullable(environment)),
                    new PromoteStage(),
                    new ImageStage(imageSetup, Optional.ofNullable(environment)),
                    new DeployStage(Optional.ofNullable(environment)));
        }
        return stages;
    }

    /** Runs these stages instead of the standard ones. */
    public MainJob withStages(List<Stage> stages) {
        this.stages = List.copyOf(stages);
        return this;
    }

    /**
     * Requests stages that run only when asked: {@code image} (building needs a Docker daemon or a
     * registry, which a quick local run should not require), and stages this version cannot run
     * (requesting one of those fails the run).
     */
    public MainJob requesting(String... stageNames) {
        requested.addAll(List.of(stageNames));
        return this;
    }

    /** Requests the image stage, or not; the same as {@code requesting("image")}. */
    public MainJob withImageBuild(boolean build) {
        if (build) {
            requested.add("image");
        } else {
            requested.remove("image");
        }
        return this;
    }

    /** The deploy environment ({@code deploy.environments} key) the deploy stage deploys to; null for the default. */
    public MainJob withEnvironment(String environment) {
        this.environment = environment;
        this.stages = null;
        return this;
    }

    /** Adjusts the trainer before it runs (backend, hyperparameter overrides). */
    public MainJob withTrainer(UnaryOperator<Trainer> setup) {
        this.trainerSetup = setup;
        this.stages = null;
        return this;
    }

    /** Adjusts the serving image build before it runs (builder, tag, push, credentials). */
    public MainJob withImage(UnaryOperator<ServingImage> setup) {
        this.imageSetup = setup;
        this.stages = null;
        return this;
    }

    /**
     * Runs every stage.
     *
     * @return the result; {@code stopped} if the context's token was cancelled (what was started
     *     has been stopped)
     * @throws Cd4mlException for mistakes in the configuration or invocation that a stage found
     */
    public RunResult call() {
        List<Stage> all = stages();
        RunState state = new RunState(config, context, requested, all);
        RunResult result = run(all, state);
        return report(result, state).map(p -> result.withReport(p.toString())).orElse(result);
    }

    /**
     * Writes {@code report.html} (with {@code report.css}) into the directory of the run's model
     * ({@code .cd4ml/runs/<run or tune id>/}) and a copy into {@code .cd4ml/report/}; a run that
     * made no model writes only the copy. A report that cannot be written is a warning, not a failure.
     */
    private Optional<Path> report(RunResult result, RunState state) {
        Optional<TuneResult> tune = state.output(TuneStage.RESULT, TuneResult.class);
        Optional<TrainingResult> training = state.output(TrainStage.RESULT, TrainingResult.class);
        RunReport report = RunReport.forProject(config.name()).withTraining(training.orElse(null))
                .withTune(tune.orElse(null)).withGate(state.output(GateStage.RESULT, GateResult.class).orElse(null))
                .withStages(result.stages(), result.status());
        Optional<String> runId = tune.map(TuneResult::tuneId).or(() -> training.map(TrainingResult::runId));
        try {
            Path file = runId.isPresent() ? report.writeForRun(config.directory(), runId.get())
                    : report.writeTo(config.directory().resolve(RunReport.LATEST_DIRECTORY));
            context.events().info("report " + file);
            return Optional.of(file);
        } catch (UncheckedIOException e) {
            context.events().warn("the run report could not be written: " + e.getMessage() + " ("
                    + e.getCause().getMessage() + ")");
            return Optional.empty();
        }
    }

    private RunResult run(List<Stage> all, RunState state) {
        EventSink events = context.events();
        Set<String> names = new HashSet<>();
        for (Stage stage : all) {
            if (!names.add(stage.name())) {
                throw new IllegalArgumentException("two stages are named " + stage.name());
            }
        }
        try (CancelToken.Registration stop = context.cancel().interruptOnCancel()) {
            Optional<StageResult> refused = checkBeforeStart(all, state);
            if (refused.isPresent()) {
                return refuse(all, state, refused.get());
            }
            for (int i = 0; i < all.size(); i++) {
                Stage stage = all.get(i);
                Optional<StageResult> skipped = skipped(stage, state);
                if (skipped.isPresent()) {
                    finish(state, skipped.get());
                    continue;
                }
                if (stage.ships(state) && !state.gatesNotPassed().isEmpty()) {
                    String why = "not shipping model " + state.model().map(CandidateModel::version).orElse("?")
                            + ": the configured " + String.join(" and ", state.gatesNotPassed())
                            + " stage did not pass it";
                    return end(all, state, i, new StageResult(stage.name(), StageStatus.FAILED, why),
                            RunResult.FAILED, why);
                }
                events.accept(new Event.StageStarted(stage.name(), stage.description(state)));
                try {
                    context.cancel().throwIfCancelled("the " + stage.name() + " stage, before it started");
                    String summary = stage.run(state, context);
                    finish(state, new StageResult(stage.name(), StageStatus.SUCCEEDED, summary));
                } catch (OperationStoppedException e) {
                    e.adviseWith(context.advice());
                    return end(all, state, i, new StageResult(stage.name(), StageStatus.STOPPED, e.getMessage()),
                            RunResult.STOPPED, e.getMessage());
                } catch (Cd4mlException e) {
                    e.adviseWith(context.advice());
                    if (e.isUserError()) {
                        events.accept(new Event.StageFinished(stage.name(), StageStatus.FAILED, e.getMessage()));
                        throw e;
                    }
                    return end(all, state, i, new StageResult(stage.name(), StageStatus.FAILED, e.getMessage()),
                            RunResult.FAILED, e.getMessage() + e.suggestion().map(s -> "; " + s).orElse(""));
                }
            }
        }
        return new RunResult(config.name(), RunResult.SUCCEEDED, state.results(), state.outputs(), null);
    }

    /** Refuses the run up front when a requested stage cannot run or a requested shipment cannot pass a gate. */
    private Optional<StageResult> checkBeforeStart(List<Stage> all, RunState state) {
        List<String> uncheckableGates = all.stream().filter(Stage::gates).filter(s -> s.configured(config))
                .filter(s -> !s.available()).map(Stage::name).toList();
        for (Stage stage : all) {
            if (!stage.configured(config)) {
                continue;
            }
            if (!stage.available()) {
                if (state.requested(stage.name())) {
                    return Optional.of(new StageResult(stage.name(), StageStatus.FAILED, "configured and requested, "
                            + "but this version of cd4ml cannot run the " + stage.name() + " stage yet"));
                }
                continue;
            }
            if (stage.ships(state) && !uncheckableGates.isEmpty()) {
                return Optional.of(new StageResult(stage.name(), StageStatus.FAILED, "cannot ship the model: the "
                        + String.join(" and ", uncheckableGates) + " stage is configured but this version of cd4ml "
                        + "cannot run it, so no model passes it"));
            }
            try {
                stage.check(state, context);
            } catch (Cd4mlException e) {
                e.adviseWith(context.advice());
                if (e.isUserError()) {
                    throw e;
                }
                return Optional.of(new StageResult(stage.name(), StageStatus.FAILED, e.getMessage()
                        + e.suggestion().map(s -> "; " + s).orElse("")));
            }
        }
        return Optional.empty();
    }

    private static Optional<StageResult> skipped(Stage stage, RunState state) {
        ProjectConfig config = state.config();
        if (!stage.configured(config)) {
            return Optional.of(new StageResult(stage.name(), StageStatus.SKIPPED, stage.whyNotConfigured(config)));
        }
        if (!stage.available()) {
            return Optional.of(new StageResult(stage.name(), StageStatus.NOT_AVAILABLE, "configured, but this version "
                    + "of cd4ml cannot run the " + stage.name() + " stage yet"));
        }
        return stage.skipReason(state).map(why -> new StageResult(stage.name(), StageStatus.SKIPPED, why));
    }

    /** Nothing ran: {@code refused} says which stage cannot run and why. */
    private RunResult refuse(List<Stage> all, RunState state, StageResult refused) {
        for (Stage stage : all) {
            finish(state, stage.name().equals(refused.name()) ? refused
                    : new StageResult(stage.name(), StageStatus.NOT_RUN, "the " + refused.name() + " stage cannot run"));
        }
        return new RunResult(config.name(), RunResult.FAILED, state.results(), state.outputs(), refused.summary());
    }

    /** Records {@code last} for stage {@code index} and every later stage as not run. */
    private RunResult end(List<Stage> all, RunState state, int index, StageResult last, String status, String error) {
        finish(state, last);
        String why = last.name() + (last.status() == StageStatus.STOPPED ? " was stopped" : " failed");
        for (Stage stage : all.subList(index + 1, all.size())) {
            finish(state, new StageResult(stage.name(), StageStatus.NOT_RUN, why));
        }
        return new RunResult(config.name(), status, state.results(), state.outputs(), error);
    }

    private void finish(RunState state, StageResult result) {
        state.finish(result);
        context.events().accept(new Event.StageFinished(result.name(), result.status(), result.summary()));
    }
}
