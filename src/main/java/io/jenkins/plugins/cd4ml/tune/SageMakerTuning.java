package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.ScriptMode;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import io.jenkins.plugins.cd4ml.train.sagemaker.SageMakerTrainingBackend;
import io.jenkins.plugins.cd4ml.train.sagemaker.TunedTrainingJob;
import io.jenkins.plugins.cd4ml.train.sagemaker.TuningJobOutcome;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A tune on the sagemaker backend done by SageMaker itself: one hyperparameter tuning job
 * ({@link SageMakerTrainingBackend#tune}) instead of trials run by {@link Tuner}. Each training
 * job the tuning job launches is a trial (numbered in the order SageMaker created them, its name
 * as run id); the best one ({@code BestTrainingJob}) is packaged and stored like any finished
 * SageMaker job, through {@link Trainer#attachingTo}, and not promoted.
 */
final class SageMakerTuning {

    private final ProjectConfig config;
    private final TuneConfig tune;
    private final EngineContext context;
    private final EventSink events;
    private final UnaryOperator<Trainer> trainerSetup;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Integer> numbers = new LinkedHashMap<>();
    private final Map<String, Trial> finished = new LinkedHashMap<>();

    SageMakerTuning(ProjectConfig config, TuneConfig tune, EngineContext context, UnaryOperator<Trainer> trainerSetup) {
        this.config = config;
        this.tune = tune;
        this.context = context;
        this.events = context.events();
        this.trainerSetup = trainerSetup;
    }

    /** True if the project's tune runs as a SageMaker tuning job. */
    static boolean applies(ProjectConfig config, TuneConfig tune) {
        return config.train().backend() == TrainConfig.Backend.SAGEMAKER && tune.nativeTuning();
    }

    /**
     * Runs the tuning job through {@code given}, or through a backend made from the context's
     * clients when null.
     */
    TuneResult run(SageMakerTrainingBackend given) {
        Instant started = clock.instant();
        String name = SageMakerTrainingBackend.newTuningJobName(config.name(), started);
        Map<String, String> hyperparameters = trainerSetup.apply(Trainer.forProject(config, context)).hyperparameters();
        TrainingJob job;
        try {
            RunDirectory dir = RunDirectory.create(config.directory().resolve(".cd4ml/runs").resolve(name));
            job = new TrainingJob(name, config, dir, ScriptMode.command(config.train(), hyperparameters),
                    hyperparameters, config.train().timeout());
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot create the directory of tuning job " + name + ": "
                    + e.getMessage(), "check free space and permissions under " + config.directory().resolve(".cd4ml"),
                    e);
        }
        events.info("tuning " + config.name() + " with SageMaker's own hyperparameter tuning (" + name + "): "
                + tune.strategy() + ", " + tune.maxTrials() + " trials at most, " + tune.parallelTrials()
                + " at a time, " + tune.goal().name().toLowerCase(Locale.ROOT) + " " + tune.objectiveMetric());
        SageMakerTrainingBackend backend = given != null ? given
                : SageMakerTrainingBackend.create(config, context.clients());
        try {
            TuningJobOutcome outcome = backend.tune(job, tune, this::observe, events);
            return result(outcome, backend, started);
        } finally {
            if (given == null) {
                backend.close();
            }
        }
    }

    /** A training job appeared or changed status: the trial table follows. */
    private void observe(TunedTrainingJob job) {
        Integer number = numbers.get(job.name());
        if (number == null) {
            number = numbers.size();
            numbers.put(job.name(), number);
            events.accept(new Event.TrialStarted(number, job.tunedHyperparameters()));
        }
        if (job.finished() && !finished.containsKey(job.name())) {
            Trial trial = trial(job, false);
            finished.put(job.name(), trial);
            Trial best = best(finished.values());
            events.accept(new Event.TrialFinished(tune.objectiveMetric(), trial, finished.size(), tune.maxTrials(),
                    best == null ? null : best.value()));
        }
    }

    private TuneResult result(TuningJobOutcome outcome, SageMakerTrainingBackend backend, Instant started) {
        List<Trial> trials = new ArrayList<>();
        boolean stoppedOutside = outcome.status().equals("Stopped");
        for (TunedTrainingJob job : outcome.jobs()) {
            observe(job);
            trials.add(job.finished() ? trial(job, stoppedOutside) : trial(withStatus(job, "Stopped"), true));
        }
        trials.sort(Comparator.comparingInt(Trial::number));
        String error = null;
        long failed = trials.stream().filter(t -> t.status() == TrialStatus.FAILED).count();
        String label = "SageMaker hyperparameter tuning job " + outcome.name();
        if (outcome.status().equals("Failed")) {
            error = label + " failed: " + (outcome.failureReason() == null ? "no reason given" : outcome.failureReason());
        } else if (stoppedOutside) {
            error = label + " was stopped outside cd4ml (in the console, with the AWS CLI or from another build)";
        } else if (outcome.bestTrainingJob() == null) {
            error = "no training job of " + label + " completed (" + trials.size() + " ran: " + failed + " failed)"
                    + trials.stream().filter(t -> t.error() != null).findFirst()
                            .map(t -> "; " + t.runId() + ": " + t.error()).orElse("");
        } else if (failed > tune.failureBudget()) {
            error = failed + " of " + trials.size() + " training jobs of " + label + " failed, more than "
                    + "tune.max_failed_trials (" + tune.failureBudget() + ") allows";
        }
        Trial best = null;
        TrainingResult bestTraining = null;
        if (error == null) {
            bestTraining = store(outcome.bestTrainingJob(), backend);
            for (int i = 0; i < trials.size(); i++) {
                Trial t = trials.get(i);
                if (t.runId().equals(outcome.bestTrainingJob())) {
                    Map<String, Double> metrics = new LinkedHashMap<>(bestTraining.metrics());
                    if (t.value() != null) {
                        metrics.put(tune.objectiveMetric(), t.value()); // the value SageMaker ranked the job by
                    }
                    best = new Trial(t.number(), t.parameters(), t.status(), t.value(), t.series(), Map.copyOf(metrics),
                            t.durationSeconds(), t.runId(), bestTraining.modelVersion(), bestTraining.modelUri(),
                            t.error());
                    trials.set(i, best);
                }
            }
            if (best == null) {
                error = "the best training job " + outcome.bestTrainingJob() + " of " + label + " is not among its "
                        + "training jobs";
            }
        }
        double seconds = Duration.between(started, clock.instant()).toMillis() / 1000.0;
        return new TuneResult(config.name(), outcome.name(), tune.strategy(), "SageMaker hyperparameter tuning job "
                + outcome.name() + " (" + Character.toUpperCase(tune.strategy().charAt(0)) + tune.strategy().substring(1) + ")", tune.objectiveMetric(),
                tune.goal().name().toLowerCase(Locale.ROOT), error == null ? "succeeded" : "failed", List.copyOf(trials),
                best, error == null ? bestTraining : null, seconds, error);
    }

    /**
     * Packages and stores the best job's model like any finished SageMaker job (not promoted);
     * its log, which the tune already judged, goes to the front end as debug lines.
     */
    private TrainingResult store(String jobName, SageMakerTrainingBackend backend) {
        events.info("storing the model of the best training job, " + jobName);
        EngineContext quiet = context.withEvents(event -> {
            if (event instanceof Event.LogLine line) {
                events.debug("best | " + line.line());
            } else {
                events.accept(event);
            }
        });
        return trainerSetup.apply(Trainer.forProject(config, quiet).withBackend(backend)).attachingTo(jobName)
                .promoting(false).call();
    }

    private Trial trial(TunedTrainingJob job, boolean stoppedByAStop) {
        TrialStatus status;
        String error = job.failureReason();
        Double value = job.objective();
        switch (job.status()) {
            case "Completed" -> {
                status = value == null ? TrialStatus.FAILED : TrialStatus.COMPLETED;
                if (value == null) {
                    error = "the job reported no " + tune.objectiveMetric() + " (no log line matched its train.metrics "
                            + "regex)";
                }
            }
            case "Failed" -> status = TrialStatus.FAILED;
            default -> status = !stoppedByAStop && stopsEarly() ? TrialStatus.PRUNED : TrialStatus.STOPPED;
        }
        Map<String, Double> metrics = value == null ? Map.of() : Map.of(tune.objectiveMetric(), value);
        double seconds = job.started() == null || job.ended() == null ? 0
                : Duration.between(job.started(), job.ended()).toMillis() / 1000.0;
        return new Trial(numbers.getOrDefault(job.name(), numbers.size()), job.tunedHyperparameters(), status,
                status == TrialStatus.COMPLETED || status == TrialStatus.PRUNED ? value : null, List.of(), metrics,
                seconds, job.name(), null, null, error);
    }

    /** Whether SageMaker stops unpromising jobs itself: early stopping Auto, or hyperband's own rule. */
    private boolean stopsEarly() {
        return tune.earlyStopping().equals("auto") || tune.strategy().equals("hyperband");
    }

    private static TunedTrainingJob withStatus(TunedTrainingJob job, String status) {
        return new TunedTrainingJob(job.name(), job.tunedHyperparameters(), status, job.objective(),
                job.failureReason(), job.created(), job.started(), job.ended());
    }

    private Trial best(Iterable<Trial> trials) {
        Trial best = null;
        for (Trial t : trials) {
            if (t.status() == TrialStatus.COMPLETED && (best == null || (tune.goal() == TuneConfig.Goal.MAXIMIZE
                    ? t.value() > best.value() : t.value() < best.value()))) {
                best = t;
            }
        }
        return best;
    }
}
