package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The whole flow for one commit: validate → train → tune → gate → image → deploy.
 *
 * <p>Stages this version cannot do yet are reported as {@link StageStatus#NOT_AVAILABLE} when the
 * configuration asks for them, never pretended. A failed stage stops the job; the result still
 * lists every stage so front ends can show where it stopped.
 */
public final class MainJob {

    /** The stages, in order. */
    public static final List<String> STAGES = List.of("validate", "train", "tune", "gate", "image", "deploy");

    private final ProjectConfig config;
    private EventSink events = EventSink.NONE;
    private UnaryOperator<Trainer> trainerSetup = UnaryOperator.identity();
    private UnaryOperator<ServingImage> imageSetup = UnaryOperator.identity();
    private boolean buildImage;

    private MainJob(ProjectConfig config) {
        this.config = config;
    }

    /** The main job for a validated project (validation itself is the caller's first stage). */
    public static MainJob forProject(ProjectConfig config) {
        return new MainJob(config);
    }

    public MainJob withEvents(EventSink events) {
        this.events = events;
        return this;
    }

    /** Adjusts the trainer before it runs (backend, hyperparameter overrides). */
    public MainJob withTrainer(UnaryOperator<Trainer> setup) {
        this.trainerSetup = setup;
        return this;
    }

    /**
     * Builds the serving image after training (off by default: building needs a Docker daemon or a
     * registry with the base image, which a quick local run should not require).
     */
    public MainJob withImageBuild(boolean build) {
        this.buildImage = build;
        return this;
    }

    /** Adjusts the serving image build before it runs (builder, tag, push, credentials). */
    public MainJob withImage(UnaryOperator<ServingImage> setup) {
        this.imageSetup = setup;
        return this;
    }

    /**
     * Runs every stage.
     *
     * @throws OperationStoppedException if interrupted; what was started has been stopped
     */
    public RunResult call() {
        List<StageResult> stages = new ArrayList<>();
        finish(stages, "validate", StageStatus.SUCCEEDED, config.file().getFileName() + " and "
                + config.features().file().getFileName() + " are valid");

        if (config.serve().isPresent() && buildImage) {
            imageSetup.apply(ServingImage.forLatestModel(config)).checkTag(); // fail before training, not after
        }
        events.accept(new Event.StageStarted("train", "training on " + config.train().backend().configName()));
        TrainingResult training;
        try {
            training = trainerSetup.apply(Trainer.forProject(config).withEvents(events)).call();
        } catch (OperationStoppedException e) {
            events.accept(new Event.StageFinished("train", StageStatus.FAILED, e.getMessage()));
            throw e;
        } catch (Cd4mlException e) {
            if (e.isUserError()) {
                throw e;
            }
            finish(stages, "train", StageStatus.FAILED, e.getMessage());
            for (String stage : STAGES.subList(STAGES.indexOf("train") + 1, STAGES.size())) {
                stages.add(new StageResult(stage, StageStatus.NOT_RUN, "train failed"));
            }
            return new RunResult(config.name(), "failed", stages, Optional.empty(), Optional.empty(),
                    Optional.of(e.getMessage() + e.suggestion().map(s -> "; " + s).orElse("")));
        }
        finish(stages, "train", StageStatus.SUCCEEDED, "model " + training.modelVersion() + metricsText(training)
                + String.format(" in %.1f s", training.durationSeconds()));

        notAvailable(stages, "tune", config.tune().isPresent(), "no tune section");
        notAvailable(stages, "gate", config.qualityGate().isPresent(), "no quality_gate section");
        Optional<ImageResult> image = Optional.empty();
        if (config.serve().isEmpty()) {
            finish(stages, "image", StageStatus.SKIPPED, "no serve section");
        } else if (!buildImage) {
            finish(stages, "image", StageStatus.SKIPPED, "not requested (build it with --build-image or --push, "
                    + "or later with cd4ml build-image)");
        } else {
            events.accept(new Event.StageStarted("image", "building the serving image of model "
                    + training.modelVersion()));
            try {
                image = Optional.of(imageSetup.apply(ServingImage.forModel(config, training.modelUri())
                        .withEvents(events)).build());
            } catch (OperationStoppedException e) {
                events.accept(new Event.StageFinished("image", StageStatus.FAILED, e.getMessage()));
                throw e;
            } catch (Cd4mlException e) {
                finish(stages, "image", StageStatus.FAILED, e.getMessage());
                stages.add(new StageResult("deploy", StageStatus.NOT_RUN, "image failed"));
                return new RunResult(config.name(), "failed", stages, Optional.of(training), Optional.empty(),
                        Optional.of(e.getMessage() + e.suggestion().map(s -> "; " + s).orElse("")));
            }
            ImageResult built = image.get();
            finish(stages, "image", StageStatus.SUCCEEDED, built.reference() + " "
                    + built.digest().map(d -> "pushed as " + d).orElse("(not pushed; image id "
                            + built.imageId().substring(0, Math.min(19, built.imageId().length())) + ")")
                    + " with " + built.builder());
        }
        notAvailable(stages, "deploy", config.deploy().isPresent(), "no deploy section");
        return new RunResult(config.name(), "succeeded", stages, Optional.of(training), image, Optional.empty());
    }

    private void notAvailable(List<StageResult> stages, String stage, boolean configured, String whySkipped) {
        if (configured) {
            finish(stages, stage, StageStatus.NOT_AVAILABLE, "configured, but this version of cd4ml cannot run the "
                    + stage + " stage yet");
        } else {
            finish(stages, stage, StageStatus.SKIPPED, whySkipped);
        }
    }

    private void finish(List<StageResult> stages, String stage, StageStatus status, String summary) {
        stages.add(new StageResult(stage, status, summary));
        events.accept(new Event.StageFinished(stage, status, summary));
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
