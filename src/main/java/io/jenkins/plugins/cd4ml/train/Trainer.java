package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ContentDigest;
import io.jenkins.plugins.cd4ml.model.GitInfoReader;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Trains a project's model on its backend and packages the result.
 *
 * <pre>{@code
 * TrainingResult result = Trainer.forProject(config, context)
 *         .withHyperparameters(Map.of("max_depth", "6"))
 *         .promoting(true)
 *         .call();
 * }</pre>
 *
 * <p>Whatever the backend, the steps around it are the same: lay out the run directory, stage
 * the channels, run, read metrics from the log and {@code metrics.json}, give the model a
 * content-addressed version and a manifest, pack {@code model.tar.gz} and store it under
 * {@code train.output}. Storing does not promote: the model becomes the one {@code LATEST} names
 * only with {@link #promoting(boolean)} (or a later {@link ModelLocator#promote}). Events go to
 * the context's sink; cancelling the context's token stops the run on any backend.
 */
public final class Trainer {

    /** Backend job names --attach accepts; they also name the local run directory. */
    private static final Pattern JOB_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private static final Duration METRICS_POLL = Duration.ofMillis(200);

    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final ProjectConfig config;
    private TrainingBackend backend;
    private final Map<String, String> hyperparameterOverrides = new LinkedHashMap<>();
    private final EngineContext context;
    private final EventSink events;
    private final Clock clock = Clock.systemUTC();
    private S3Client s3Client;
    private S3Client ownS3Client;
    private S3Transfers s3;
    private String attachTo;
    private String runId;
    private boolean promote;
    private Consumer<Map<String, Double>> metricsRecords;

    private Trainer(ProjectConfig config, EngineContext context) {
        this.config = config;
        this.context = context;
        this.events = context.events();
    }

    /**
     * A trainer for a validated project, using the backend its configuration names, with the
     * environment, clients, event sink and cancel token of {@code context}.
     */
    public static Trainer forProject(ProjectConfig config, EngineContext context) {
        return new Trainer(config, context);
    }

    /** Trains on this backend instead of the configured one. */
    public Trainer withBackend(TrainingBackend backend) {
        this.backend = backend;
        return this;
    }

    /** Overrides (or adds) hyperparameters; values are text as the script receives them. */
    public Trainer withHyperparameters(Map<String, String> overrides) {
        hyperparameterOverrides.putAll(overrides);
        return this;
    }

    /**
     * The hyperparameters a run of this trainer gets: {@code train.hyperparameters} with the
     * {@link #withHyperparameters} overrides applied (a SageMaker tuning job sends them as its
     * static hyperparameters).
     */
    public Map<String, String> hyperparameters() {
        Map<String, String> hyperparameters = new LinkedHashMap<>(config.train().hyperparameters());
        hyperparameters.putAll(hyperparameterOverrides);
        return hyperparameters;
    }

    /**
     * Whether to promote the stored model (make it what {@code LATEST} names); off by default, so
     * tuning trials and models a gate has yet to check are stored only.
     */
    public Trainer promoting(boolean promote) {
        this.promote = promote;
        return this;
    }

    /**
     * Hands each record a script appends to {@code metrics.json} while it runs (one JSON object per
     * line) to {@code listener}, on a thread of its own: a tune's intermediate values. Only where
     * the run directory is on this machine during the run (local and docker backends).
     */
    public Trainer onMetricsRecord(Consumer<Map<String, Double>> listener) {
        this.metricsRecords = listener;
        return this;
    }

    /** Uses this S3 client (the caller's) for S3 channels and outputs instead of the context's. */
    public Trainer withS3(S3Client client) {
        this.s3Client = client;
        return this;
    }

    /**
     * Names the run (and its directory under {@code .cd4ml/runs}) instead of a generated
     * {@code <project>-<time>-<hex>} id; a tune names its trials this way.
     *
     * @throws Cd4mlException if {@code id} cannot be a job name
     */
    public Trainer withRunId(String id) {
        if (!JOB_NAME.matcher(id).matches()) {
            throw Cd4mlException.badInput("'" + id + "' cannot name a training run",
                    "use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        this.runId = id;
        return this;
    }

    /**
     * Follows the backend's existing job {@code jobName} instead of starting one (for a job whose
     * caller went away, such as a Jenkins agent that died): the run takes the job's name as its id,
     * and the result is packaged and stored exactly as after a fresh run.
     *
     * @throws Cd4mlException if {@code jobName} cannot be a job name
     */
    public Trainer attachingTo(String jobName) {
        if (!JOB_NAME.matcher(jobName).matches()) {
            throw Cd4mlException.badInput("'" + jobName + "' is not a training job name", "give "
                    + context.advice().option("attach") + " the name exactly as the backend shows it, e.g. "
                    + "iris-classifier-20250101-120000-1a2b");
        }
        this.attachTo = jobName;
        return this;
    }

    /**
     * Runs the training to completion.
     *
     * @throws TrainingFailedException if the script or backend failed
     * @throws io.jenkins.plugins.cd4ml.OperationStoppedException if the context's token was cancelled
     *     (or the thread interrupted); what the backend started has been stopped
     */
    public TrainingResult call() {
        try (CancelToken.Registration stop = context.cancel().interruptOnCancel()) {
            context.cancel().throwIfCancelled("training of " + config.name() + ", before it started");
            if (backend != null) {
                return train(backend);
            }
            TrainingBackend created = TrainingBackends.create(config.train().backend(), config, context);
            try {
                return train(created);
            } finally {
                created.close(); // clients the factory opened for this run (a given backend is the caller's)
            }
        } catch (Cd4mlException e) {
            throw e.adviseWith(context.advice());
        } finally {
            if (ownS3Client != null) {
                ownS3Client.close();
                ownS3Client = null;
                s3 = null;
            }
        }
    }

    private TrainingResult train(TrainingBackend chosen) {
        TrainConfig train = config.train();
        Instant started = clock.instant();
        if (attachTo != null && !chosen.canAttach()) {
            throw TrainingBackend.cannotAttach(chosen.name()); // before any directory or data is staged
        }
        String runId = attachTo != null ? attachTo : this.runId != null ? this.runId : newRunId(started);
        Map<String, String> hyperparameters = hyperparameters();
        try {
            RunDirectory dir = RunDirectory.create(config.directory().resolve(".cd4ml/runs").resolve(runId));
            dir.writeConfig(hyperparameters, List.copyOf(train.channels().keySet()));
            List<ModelManifest.DataInput> data = stageChannels(dir, chosen.readsLocalChannels());
            TrainingJob job = new TrainingJob(runId, config, dir, ScriptMode.command(train, hyperparameters),
                    hyperparameters, train.timeout());
            MetricExtractor extractor = new MetricExtractor(train.metrics());
            events.info(attachTo != null ? "attaching to job " + runId + " of " + config.name() + " on " + chosen.name()
                    : "training " + config.name() + " on " + chosen.name() + " (run " + runId + ")");
            BackendRun run;
            try (BufferedWriter log = Files.newBufferedWriter(dir.logFile(), StandardCharsets.UTF_8);
                    // only where the script writes into this run directory as it runs (local, docker): a remote
                    // job's metrics.json arrives whole at the end, too late to judge, and a prune then would
                    // throw away a finished trial
                    MetricsFileFollower follower = metricsRecords == null || attachTo != null
                            || !chosen.readsLocalChannels() ? null : MetricsFileFollower.start(
                            dir.outputDataDir().resolve("metrics.json"), metricsRecords, METRICS_POLL)) {
                run = attachTo != null ? chosen.attach(attachTo, job, observing(extractor, log))
                        : chosen.run(job, observing(extractor, log));
            }
            // an attached job ran with its own hyperparameters, which the manifest must record
            Map<String, String> recorded = run.hyperparameters().isEmpty() ? hyperparameters : run.hyperparameters();
            Map<String, Double> metrics = new LinkedHashMap<>(run.metrics());
            metrics.putAll(extractor.values());
            metrics.putAll(MetricsFile.read(dir.outputDataDir().resolve("metrics.json")));
            return packageModel(runId, chosen, run, dir, data, recorded, metrics, started);
        } catch (IOException e) {
            throw Cd4mlException.workFailed("training run " + runId + " could not use its files: " + e.getMessage(),
                    "check free space and permissions under " + config.directory().resolve(".cd4ml"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("training run " + runId + " while staging its input data");
        }
    }

    private String newRunId(Instant started) {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        String prefix = config.name().length() > 40 ? config.name().substring(0, 40) : config.name();
        return prefix + "-" + RUN_TIME.format(started) + "-" + suffix;
    }

    private List<ModelManifest.DataInput> stageChannels(RunDirectory dir, boolean local)
            throws IOException, InterruptedException {
        ChannelStager stager = new ChannelStager(config.directory(), this::s3);
        List<ModelManifest.DataInput> data = new ArrayList<>();
        for (Map.Entry<String, String> channel : config.train().channels().entrySet()) {
            if (local) {
                events.info("staging channel " + channel.getKey() + " from " + channel.getValue());
                data.add(stager.stage(channel.getKey(), channel.getValue(), dir.channelDir(channel.getKey())));
            } else {
                data.add(stager.describeRemote(channel.getKey(), channel.getValue()));
            }
        }
        return data;
    }

    /** S3 access, created on first use so projects without S3 never touch AWS configuration. */
    private synchronized S3Transfers s3() {
        if (s3 == null) {
            S3Client client = s3Client;
            if (client == null) {
                ownS3Client = context.clients().s3(config.train().sagemaker().region());
                client = ownS3Client;
            }
            s3 = new S3Transfers(client);
        }
        return s3;
    }

    /** Passes events on, reading metrics from and keeping a copy of the script's output. */
    private EventSink observing(MetricExtractor extractor, BufferedWriter log) {
        return event -> {
            if (event instanceof Event.LogLine line && line.source().equals(TrainingBackend.LOG_SOURCE)) {
                extractor.observe(line.line());
                synchronized (log) {
                    try {
                        log.write(line.line());
                        log.newLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            events.accept(event);
        };
    }

    private TrainingResult packageModel(String runId, TrainingBackend chosen, BackendRun run, RunDirectory dir,
            List<ModelManifest.DataInput> data, Map<String, String> hyperparameters, Map<String, Double> metrics,
            Instant started) throws IOException {
        if (ContentDigest.regularFiles(dir.modelDir()).isEmpty()) {
            throw new TrainingFailedException("training finished but wrote no model files to SM_MODEL_DIR ("
                    + dir.modelDir() + ")", "save the model into the directory in $SM_MODEL_DIR "
                    + "(/opt/ml/model in a container), e.g. joblib.dump(model, os.path.join(model_dir, "
                    + "'model.joblib'))");
        }
        String digest = ContentDigest.sha256(dir.modelDir());
        ModelManifest manifest = new ModelManifest(ModelManifest.SCHEMA, config.name(), digest.substring(0, 12),
                "sha256:" + digest, clock.instant(), GitInfoReader.read(config.directory()), config.model().target(),
                config.model().classes(), config.model().idField(), data, hyperparameters, metrics,
                new ModelManifest.BackendInfo(chosen.name(), run.jobId()), runId);
        Optional<ModelManifest.TrainingEnvironment> environment =
                TrainingRequirements.recordedEnvironment(dir.outputDataDir());
        if (environment.isPresent()) {
            manifest = manifest.withEnvironment(environment.get());
        }
        Path archive = dir.root().resolve("model.tar.gz");
        ModelArchive.write(dir.modelDir(), manifest, archive);
        Json.mapper().writeValue(dir.root().resolve(ModelManifest.FILE_NAME).toFile(), manifest);
        ModelLocator models = ModelLocator.forProject(config, this::s3, context.advice());
        String uri = models.store().store(archive, manifest);
        events.info("model " + manifest.version() + " stored at " + uri);
        if (promote) {
            models.promote(manifest.version());
            events.info("model " + manifest.version() + " promoted: it is now the LATEST model of " + config.name());
        }
        return new TrainingResult(runId, chosen.name(), run.jobId(), uri, manifest.version(), manifest, metrics,
                Duration.between(started, clock.instant()).toMillis() / 1000.0, run.logLocation(),
                dir.root().toString(), promote);
    }
}
