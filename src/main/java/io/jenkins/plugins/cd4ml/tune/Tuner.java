package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import io.jenkins.plugins.cd4ml.train.sagemaker.SageMakerTrainingBackend;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Searches a project's hyperparameters: runs trials, each an ordinary training run on the
 * configured backend, at most {@code tune.parallel_trials} at once, and picks the best.
 *
 * <pre>{@code
 * TuneResult result = Tuner.forProject(config, context)
 *         .withTrainer(trainer -> trainer.withBackend(backend))
 *         .call();
 * }</pre>
 *
 * <p>The objective's intermediate values (each match of its {@code train.metrics} regex in the
 * log, or each record the script appends to {@code metrics.json}, whichever reports it first) go
 * to the search as they appear; a trial the search prunes is stopped on its backend like
 * an aborted run. A failed trial is recorded and the search goes on, until more than
 * {@code tune.max_failed_trials} (default half of {@code max_trials}) have failed. Cancelling the
 * context's token (or interrupting the calling thread) stops every running trial before
 * {@link OperationStoppedException} is thrown. Trials are stored, never promoted: promotion is the
 * caller's, after the gate.
 *
 * <p>On the sagemaker backend (unless {@code tune.native: false}) SageMaker tunes instead: one
 * hyperparameter tuning job whose training jobs are the trials, its best job's model stored
 * like any other; cancelling sends {@code StopHyperParameterTuningJob}.
 */
public final class Tuner {

    private static final DateTimeFormatter TUNE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);
    private static final long STOP_WAIT_SECONDS = 120;
    private static final String FROM_LOG = "log";
    private static final String FROM_METRICS_FILE = "metrics.json";

    private final ProjectConfig config;
    private final TuneConfig tune;
    private final Clock clock = Clock.systemUTC();
    private final EngineContext context;
    private final EventSink events;
    private final Map<String, String> environment;
    private UnaryOperator<Trainer> trainerSetup = UnaryOperator.identity();
    private Search search;
    private SageMakerTrainingBackend sagemaker;

    private Tuner(ProjectConfig config, TuneConfig tune, EngineContext context) {
        this.config = config;
        this.tune = tune;
        this.context = context;
        this.events = context.events();
        this.environment = context.environment();
    }

    /**
     * A tuner for a validated project.
     *
     * @throws Cd4mlException if the project has no {@code tune} section
     */
    public static Tuner forProject(ProjectConfig config, EngineContext context) {
        TuneConfig tune = config.tune().orElseThrow(() -> Cd4mlException.badInput(config.file().getFileName()
                + " has no tune section, so there is nothing to search", "add a tune section, e.g. tune: {objective: "
                + "{metric: accuracy, goal: maximize}, strategy: random, max_trials: 8, parameters: {max_depth: "
                + "{type: int, min: 2, max: 8}}}"));
        return new Tuner(config, tune, context);
    }

    /** Adjusts each trial's trainer before it runs (backend, environment, S3 client). */
    public Tuner withTrainer(UnaryOperator<Trainer> setup) {
        this.trainerSetup = setup;
        return this;
    }

    /** Uses this search instead of the one {@code tune.strategy} names (closed by the tuner). */
    public Tuner withSearch(Search search) {
        this.search = search;
        return this;
    }

    /**
     * Runs SageMaker's own tuning job (on the sagemaker backend, unless {@code tune.native: false})
     * through this backend and its clients instead of one made from the context's clients; the
     * best job's model is stored through it too.
     */
    public Tuner withSageMaker(SageMakerTrainingBackend backend) {
        this.sagemaker = backend;
        return this;
    }

    /**
     * Runs the tune.
     *
     * @return the result, also when it failed (too many failed trials, none completed)
     * @throws Cd4mlException a user error (exit 2) before any trial starts, such as a missing Optuna
     * @throws OperationStoppedException if interrupted; every running trial has been stopped
     */
    public TuneResult call() {
        try (CancelToken.Registration stop = context.cancel().interruptOnCancel()) {
            context.cancel().throwIfCancelled("the tune of " + config.name() + ", before it started");
            return tune();
        } catch (Cd4mlException e) {
            throw e.adviseWith(context.advice());
        }
    }

    private TuneResult tune() {
        if (search == null && SageMakerTuning.applies(config, tune)) {
            return new SageMakerTuning(config, tune, context, trainerSetup).run(sagemaker);
        }
        Instant started = clock.instant();
        String tuneId = tuneId(started);
        try (Search s = search != null ? search : Searches.create(tune, environment,
                config.train().hyperparameters())) {
            events.info("tuning " + config.name() + " (" + tuneId + "): " + tune.strategy() + " search by "
                    + s.describe() + ", " + tune.maxTrials() + " trials at most, " + tune.parallelTrials()
                    + " at a time, " + tune.goal().name().toLowerCase(Locale.ROOT) + " "
                    + tune.objectiveMetric());
            return new Loop(s, tuneId, started).run();
        }
    }

    private String tuneId(Instant started) {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        String prefix = config.name().length() > 40 ? config.name().substring(0, 40) : config.name();
        return prefix + "-" + TUNE_TIME.format(started) + "-" + suffix;
    }

    /** The regex that reads the objective from the log, or null if only metrics.json reports it. */
    private Pattern objectiveRegex() {
        for (TrainConfig.Metric metric : config.train().metrics()) {
            if (metric.name().equals(tune.objectiveMetric())) {
                return metric.regex();
            }
        }
        return null;
    }

    /** One tune's bookkeeping: running trials, finished trials, the failure budget. */
    private final class Loop {

        private final Search search;
        private final String tuneId;
        private final Instant started;
        private final Pattern objective = objectiveRegex();
        private final BlockingQueue<TrialRun> ended = new LinkedBlockingQueue<>();
        private final Map<Integer, TrialRun> running = new LinkedHashMap<>();
        private final List<Trial> trials = new ArrayList<>();
        private final Map<Integer, TrainingResult> trainings = new LinkedHashMap<>();
        private RuntimeException fatal;
        private String failure;

        Loop(Search search, String tuneId, Instant started) {
            this.search = search;
            this.tuneId = tuneId;
            this.started = started;
        }

        TuneResult run() {
            AtomicInteger threads = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(tune.parallelTrials(), r -> {
                Thread t = new Thread(r, "cd4ml-trial-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            int launched = 0;
            boolean stopping = false;
            try {
                while (true) {
                    while (!stopping && running.size() < tune.parallelTrials() && launched < tune.maxTrials()) {
                        Suggestion next = search.ask();
                        if (next == null) {
                            launched = tune.maxTrials(); // the grid is exhausted
                            break;
                        }
                        launched++;
                        TrialRun trial = new TrialRun(next);
                        running.put(next.number(), trial);
                        events.accept(new Event.TrialStarted(next.number(), next.parameters()));
                        pool.execute(() -> {
                            trial.run();
                            ended.add(trial);
                        });
                    }
                    if (running.isEmpty()) {
                        break;
                    }
                    TrialRun done = ended.take();
                    finished(done);
                    if (!stopping && (fatal != null || failedCount() > tune.failureBudget())) {
                        stopping = true;
                        if (fatal == null) {
                            failure = failedCount() + " of " + (trials.size() + running.size()) + " trials failed, "
                                    + "more than tune.max_failed_trials (" + tune.failureBudget() + ") allows; the "
                                    + "last failure: " + done.result.error();
                        }
                        running.values().forEach(TrialRun::stop);
                    }
                }
            } catch (InterruptedException e) {
                int stopped = running.size();
                running.values().forEach(TrialRun::stop);
                drain();
                Thread.currentThread().interrupt();
                throw new OperationStoppedException("tune " + tuneId + " of " + config.name() + " (" + stopped
                        + " running trial" + (stopped == 1 ? "" : "s") + " stopped, " + trials.size() + " ended)");
            } finally {
                pool.shutdownNow();
            }
            if (fatal != null) {
                throw fatal;
            }
            return result();
        }

        /**
         * After an interrupt: waits for the stopped trials to end, so nothing is left running. A
         * cancel interrupts this thread once per registration (the tune's and the front end's), so
         * a further interrupt here is the same stop arriving again: it must not cut the wait short.
         */
        private void drain() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_WAIT_SECONDS);
            while (!running.isEmpty() && System.nanoTime() < deadline) {
                try {
                    TrialRun done = ended.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (done == null) {
                        break;
                    }
                    finished(done);
                } catch (InterruptedException again) {
                    // the same stop again: keep waiting for the trials already told to stop
                }
            }
        }

        private void finished(TrialRun done) {
            running.remove(done.suggestion.number());
            Trial trial = done.result;
            trials.add(trial);
            if (done.training != null) {
                trainings.put(trial.number(), done.training);
            }
            if (done.fatal != null && fatal == null) {
                fatal = done.fatal;
            }
            search.tell(trial.number(), trial.status(), trial.status() == TrialStatus.COMPLETED ? trial.value()
                    : trial.status() == TrialStatus.PRUNED ? lastOf(trial.series()) : null);
            Trial best = best();
            events.accept(new Event.TrialFinished(tune.objectiveMetric(), trial, trials.size(), tune.maxTrials(),
                    best == null ? null : best.value()));
        }

        private long failedCount() {
            return trials.stream().filter(t -> t.status() == TrialStatus.FAILED).count();
        }

        private Trial best() {
            Comparator<Trial> byValue = Comparator.comparingDouble(Trial::value);
            if (tune.goal() == TuneConfig.Goal.MAXIMIZE) {
                byValue = byValue.reversed();
            }
            return trials.stream().filter(t -> t.status() == TrialStatus.COMPLETED)
                    .min(byValue.thenComparingInt(Trial::number)).orElse(null);
        }

        private TuneResult result() {
            trials.sort(Comparator.comparingInt(Trial::number));
            Trial best = best();
            String error = failure;
            if (error == null && best == null) {
                error = "no trial completed (" + trials.size() + " ran: " + count(TrialStatus.FAILED) + " failed, "
                        + count(TrialStatus.PRUNED) + " pruned)" + trials.stream().filter(t -> t.error() != null)
                                .findFirst().map(t -> "; trial " + t.number() + ": " + t.error()).orElse("");
            }
            double seconds = Duration.between(started, clock.instant()).toMillis() / 1000.0;
            return new TuneResult(config.name(), tuneId, tune.strategy(), search.describe(), tune.objectiveMetric(),
                    tune.goal().name().toLowerCase(Locale.ROOT), error == null ? "succeeded" : "failed",
                    List.copyOf(trials), best, best == null ? null
                            : trainings.get(best.number()), seconds, error);
        }

        private long count(TrialStatus status) {
            return trials.stream().filter(t -> t.status() == status).count();
        }

        /** One trial on its own thread: trains, feeds the objective to the search, stops when pruned. */
        private final class TrialRun {

            private final Suggestion suggestion;
            private final List<Double> series = new ArrayList<>();
            private String seriesSource;
            private volatile Thread thread;
            private volatile boolean stopRequested;
            private volatile boolean pruned;
            private Trial result;
            private TrainingResult training;
            private RuntimeException fatal;

            TrialRun(Suggestion suggestion) {
                this.suggestion = suggestion;
            }

            String runId() {
                return tuneId + "-t" + suggestion.number();
            }

            synchronized void stop() {
                stopRequested = true;
                if (thread != null) {
                    thread.interrupt();
                }
            }

            void run() {
                Instant start = clock.instant();
                synchronized (this) {
                    thread = Thread.currentThread();
                    if (stopRequested) {
                        result = trial(TrialStatus.STOPPED, null, Map.of(), start, null, "stopped before it started");
                        thread = null;
                        return;
                    }
                }
                try {
                    training = trainerSetup.apply(Trainer.forProject(config, context.withEvents(this::observe))
                            .onMetricsRecord(this::metricsRecord)).withHyperparameters(suggestion.parameters())
                            .withRunId(runId()).promoting(false).call();
                    Double value = training.metrics().get(tune.objectiveMetric());
                    if (value == null) {
                        result = trial(TrialStatus.FAILED, null, training.metrics(), start, training,
                                "the run reported no " + tune.objectiveMetric() + " (metrics: "
                                        + String.join(", ", training.metrics().keySet()) + ")");
                        training = null;
                    } else {
                        result = trial(TrialStatus.COMPLETED, value, training.metrics(), start, training, null);
                    }
                } catch (RuntimeException e) {
                    // a stop can surface as any error (an interrupted file copy fails with an I/O error)
                    if (stopRequested) {
                        result = trial(TrialStatus.STOPPED, null, Map.of(), start, null, e.getMessage());
                    } else if (pruned) {
                        result = trial(TrialStatus.PRUNED, lastOf(series), Map.of(), start, null, null);
                    } else {
                        if (e instanceof Cd4mlException c && c.isUserError()) {
                            fatal = e;
                        }
                        result = trial(TrialStatus.FAILED, null, Map.of(), start, null,
                                e instanceof Cd4mlException ? e.getMessage() : String.valueOf(e));
                    }
                } finally {
                    synchronized (this) {
                        thread = null;
                        Thread.interrupted(); // a prune that arrived as the run ended must not reach the next trial
                    }
                }
            }

            private Trial trial(TrialStatus status, Double value, Map<String, Double> metrics, Instant start,
                    TrainingResult training, String error) {
                List<Double> values;
                synchronized (series) {
                    values = List.copyOf(series);
                }
                return new Trial(suggestion.number(), suggestion.parameters(), status, value, values, Map.copyOf(metrics),
                        Duration.between(start, clock.instant()).toMillis() / 1000.0, runId(),
                        training == null ? null : training.modelVersion(), training == null ? null
                                : training.modelUri(), error);
            }

            /** Reads the objective from the trial's log; trial output reaches the front end as debug messages. */
            private void observe(Event event) {
                if (event instanceof Event.LogLine line) {
                    if (objective != null) {
                        var matcher = objective.matcher(line.line());
                        if (matcher.find() && matcher.group(1) != null) {
                            intermediate(matcher.group(1).strip(), FROM_LOG);
                        }
                    }
                    events.debug("trial " + suggestion.number() + " | " + line.line());
                } else if (event instanceof Event.Message m) {
                    events.accept(new Event.Message(m.level() == Event.Level.WARNING ? Event.Level.WARNING
                            : Event.Level.DEBUG, "trial " + suggestion.number() + ": " + m.text()));
                } else {
                    events.accept(event);
                }
            }

            /** A record the script appended to metrics.json while it runs. */
            private void metricsRecord(Map<String, Double> record) {
                Double value = record.get(tune.objectiveMetric());
                if (value != null) {
                    intermediate(value, FROM_METRICS_FILE);
                }
            }

            private void intermediate(String text, String from) {
                double value;
                try {
                    value = Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    return; // as SageMaker: a match that is not a number is ignored
                }
                intermediate(value, from);
            }

            /**
             * One intermediate value. A trial's series comes from whichever source reports the
             * objective first (the log regex or metrics.json), so a script that does both is not
             * counted twice.
             */
            private void intermediate(double value, String from) {
                if (!Double.isFinite(value)) {
                    return;
                }
                int step;
                synchronized (series) {
                    if (seriesSource == null) {
                        seriesSource = from;
                    } else if (!seriesSource.equals(from)) {
                        return;
                    }
                    series.add(value);
                    step = series.size();
                }
                if (!pruned && !stopRequested && search.report(suggestion.number(), step, value)) {
                    pruned = true;
                    events.info("trial " + suggestion.number() + " pruned at step " + step + " (" + tune.objectiveMetric()
                            + "=" + value + "): stopping it");
                    synchronized (this) {
                        if (thread != null) {
                            thread.interrupt();
                        }
                    }
                }
            }
        }
    }

    private static Double lastOf(List<Double> values) {
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }
}
