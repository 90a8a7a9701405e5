package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.engine.Clients;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ContentDigest;
import io.jenkins.plugins.cd4ml.model.GitInfoReader;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.train.BackendRun;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.SourceArchive;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.Channel;
import software.amazon.awssdk.services.sagemaker.model.CreateHyperParameterTuningJobRequest;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.MetricData;
import software.amazon.awssdk.services.sagemaker.model.ResourceLimits;

/**
 * Trains on Amazon SageMaker: packs the project's code as {@code sourcedir.tar.gz} under
 * {@code train.output}, creates a training job that runs {@code train.entrypoint} through the
 * SageMaker training toolkit, follows its status and CloudWatch log, and downloads the model
 * (and {@code output.tar.gz}) into the run directory for {@link io.jenkins.plugins.cd4ml.train.Trainer}
 * to package. An interrupt stops the training job with {@code StopTrainingJob}.
 *
 * <p>Give it the clients to use; {@link #create} builds them from the AWS default chain.
 */
public final class SageMakerTrainingBackend implements TrainingBackend {

    /** Archives above this size are probably carrying data that belongs in an S3 channel. */
    static final long LARGE_CODE_BYTES = 50L * 1024 * 1024;
    static final Duration STOP_POLL = Duration.ofSeconds(2);
    static final int STOP_POLLS = 10;
    private static final Set<String> STOPPING_OR_DONE = Set.of("Stopping", "Stopped", "Completed", "Failed");

    private final SageMakerClient sagemaker;
    private final CloudWatchLogsClient logs;
    private final S3Transfers s3;
    private final Sleeper sleeper;
    private final Runnable closer;

    /**
     * @param sagemaker the client that creates and follows training jobs; its region is the jobs' region
     * @param logs the client that reads training logs, in the same region
     * @param s3 uploads the code and downloads the model (the buckets must be in the same region)
     * @param sleeper waits between polls
     */
    public SageMakerTrainingBackend(SageMakerClient sagemaker, CloudWatchLogsClient logs, S3Transfers s3,
            Sleeper sleeper) {
        this(sagemaker, logs, s3, sleeper, () -> { });
    }

    /** A backend that owns its clients and releases them with {@code closer} in {@link #close()}. */
    SageMakerTrainingBackend(SageMakerClient sagemaker, CloudWatchLogsClient logs, S3Transfers s3, Sleeper sleeper,
            Runnable closer) {
        this.sagemaker = sagemaker;
        this.logs = logs;
        this.s3 = s3;
        this.sleeper = sleeper;
        this.closer = closer;
    }

    @Override
    public void close() {
        closer.run();
    }

    /**
     * The backend with the operation's clients (closed in {@link #close()}): region from
     * {@code train.sagemaker.region}, {@code AWS_REGION}/{@code AWS_DEFAULT_REGION} or the AWS
     * profile, credentials and endpoints as {@code clients} has them.
     */
    public static SageMakerTrainingBackend create(ProjectConfig config, Clients clients) {
        return SageMakerClients.backend(config, clients);
    }

    /**
     * A new name for a hyperparameter tuning job of {@code project} (at most 32 characters, as
     * SageMaker requires), to use as the run id given to {@link #tune}.
     */
    public static String newTuningJobName(String project, Instant now) {
        return TuningJobRequest.newName(project, now);
    }

    @Override
    public String name() {
        return "sagemaker";
    }

    @Override
    public boolean readsLocalChannels() {
        return false;
    }

    @Override
    public BackendRun run(TrainingJob job, EventSink events) {
        AwsErrors errors = errors(job);
        requireCredentials(errors);
        String name = job.runId();
        CreateTrainingJobRequest request = JobDefinition.request(job, errors.region(),
                GitInfoReader.read(job.project().directory()));
        uploadCode(job, events);
        try {
            errors.call("sagemaker:CreateTrainingJob", name, () -> sagemaker.createTrainingJob(request));
        } catch (InterruptedException e) {
            throw stop(name, errors, events); // the request may have reached SageMaker
        }
        TrainConfig.SageMaker options = job.project().train().sagemaker();
        events.info("created SageMaker training job " + name + " in " + errors.region() + " ("
                + options.instanceCount() + " x " + options.instanceType() + (options.spot() ? ", spot" : "") + ")");
        return follow(name, job, events, errors, Map.of());
    }

    @Override
    public boolean canAttach() {
        return true;
    }

    @Override
    public BackendRun attach(String jobId, TrainingJob job, EventSink events) {
        AwsErrors errors = errors(job);
        requireCredentials(errors);
        if (!JobDefinition.NAME.matcher(jobId).matches()) {
            throw Cd4mlException.badInput("'" + jobId + "' is not a SageMaker training job name",
                    "give the name as 'aws sagemaker list-training-jobs' shows it");
        }
        DescribeTrainingJobResponse existing;
        try {
            existing = new JobWatcher(sagemaker, errors, sleeper, events).describe(jobId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("attaching to SageMaker training job " + jobId + " (left as it was)");
        }
        events.info("attached to SageMaker training job " + jobId + " in " + errors.region() + " ("
                + existing.trainingJobStatusAsString() + ")");
        Map<String, String> ran = scriptHyperparameters(existing);
        if (!ran.equals(job.hyperparameters())) {
            events.info("the job ran with hyperparameters " + ran + "; the model's manifest records those");
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        for (Channel channel : existing.inputDataConfig()) {
            inputs.put(channel.channelName(), channel.dataSource() == null || channel.dataSource().s3DataSource() == null
                    ? "" : channel.dataSource().s3DataSource().s3Uri());
        }
        if (!inputs.equals(job.project().train().channels())) {
            events.warn("the job read the channels " + inputs + ", not train.channels "
                    + job.project().train().channels() + "; the model's manifest lists train.channels");
        }
        return follow(jobId, job, events, errors, ran);
    }

    /**
     * Runs one SageMaker hyperparameter tuning job for {@code tune} instead of single training
     * jobs: packs and uploads the code once (named by {@code job.runId()}, which names the tuning
     * job, at most 32 characters), creates the tuning job with the training job definition a
     * single {@link #run} would send, and follows it to its end, handing each of its training jobs
     * to {@code listener} when it appears and whenever its status changes. The best job's model
     * is not downloaded: {@link #attach} does that like for any finished job.
     *
     * @return how the tuning job ended (Completed, Failed, or Stopped by someone else)
     * @throws OperationStoppedException if the thread was interrupted; StopHyperParameterTuningJob was sent
     * @throws Cd4mlException if a setting cannot make a tuning job (before anything is uploaded) or AWS refused
     */
    public TuningJobOutcome tune(TrainingJob job, TuneConfig tune, Consumer<TunedTrainingJob> listener,
            EventSink events) {
        AwsErrors errors = tuningErrors(job);
        requireCredentials(errors);
        String name = job.runId();
        CreateHyperParameterTuningJobRequest request = TuningJobRequest.of(job, tune, errors.region(),
                GitInfoReader.read(job.project().directory()));
        uploadCode(job, events);
        try {
            errors.call("sagemaker:CreateHyperParameterTuningJob", name,
                    () -> sagemaker.createHyperParameterTuningJob(request));
        } catch (InterruptedException e) {
            throw stopTuning(name, errors, events); // the request may have reached SageMaker
        }
        TrainConfig.SageMaker options = job.project().train().sagemaker();
        ResourceLimits limits = request.hyperParameterTuningJobConfig().resourceLimits();
        events.info("created SageMaker hyperparameter tuning job " + name + " in " + errors.region() + " ("
                + request.hyperParameterTuningJobConfig().strategyAsString() + ", "
                + (limits.maxNumberOfTrainingJobs() == null ? "every combination"
                        : limits.maxNumberOfTrainingJobs() + " training jobs at most") + ", "
                + limits.maxParallelTrainingJobs() + " at a time, each " + options.instanceCount() + " x "
                + options.instanceType() + (options.spot() ? ", spot" : "") + ")");
        try {
            return new TuningJobWatcher(sagemaker, errors, sleeper, events).followToEnd(name, listener);
        } catch (InterruptedException e) {
            throw stopTuning(name, errors, events);
        }
    }

    /** Like {@link #stop}, for a tuning job: SageMaker then stops every training job it runs. */
    private OperationStoppedException stopTuning(String name, AwsErrors errors, EventSink events) {
        Thread.interrupted(); // AWS calls refuse to run on an interrupted thread
        String state = "StopHyperParameterTuningJob sent";
        try {
            events.info("stopping SageMaker hyperparameter tuning job " + name + " and its training jobs");
            try {
                errors.call("sagemaker:StopHyperParameterTuningJob", name, () -> sagemaker
                        .stopHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name)));
            } catch (Cd4mlException e) {
                if (!"ValidationException".equals(codeOf(e)) && !"ResourceNotFound".equals(codeOf(e))) {
                    events.warn("could not stop SageMaker hyperparameter tuning job " + name + ": " + e.getMessage()
                            + "; stop it with 'aws sagemaker stop-hyper-parameter-tuning-job "
                            + "--hyper-parameter-tuning-job-name " + name + "'");
                    state = "it may still be running";
                }
                // ValidationException / ResourceNotFound: it already ended, or was never created
            }
            TuningJobWatcher watcher = new TuningJobWatcher(sagemaker, errors, sleeper, EventSink.NONE);
            for (int i = 0; i < STOP_POLLS; i++) {
                try {
                    String status = watcher.describe(name).hyperParameterTuningJobStatusAsString();
                    if (status != null && STOPPING_OR_DONE.contains(status)) {
                        state = status;
                        break;
                    }
                } catch (Cd4mlException e) {
                    break; // never created, or no longer visible
                }
                sleeper.sleep(STOP_POLL);
            }
        } catch (InterruptedException again) {
            // a second interrupt: stop waiting for the confirmation
        }
        Thread.currentThread().interrupt();
        return new OperationStoppedException("SageMaker hyperparameter tuning job " + name + " (" + state + ")");
    }

    /** The part shared by {@link #run} and {@link #attach}: follow the job, then take its result. */
    private BackendRun follow(String name, TrainingJob job, EventSink events, AwsErrors errors,
            Map<String, String> hyperparameters) {
        CloudWatchLogTail log = new CloudWatchLogTail(logs, errors, events, name);
        DescribeTrainingJobResponse end;
        try {
            end = new JobWatcher(sagemaker, errors, sleeper, events).followToEnd(name, log);
        } catch (InterruptedException e) {
            throw stop(name, errors, events);
        }
        String status = end.trainingJobStatusAsString();
        if (status.equals("Failed")) {
            throw new TrainingFailedException("SageMaker training job " + name + " failed: "
                    + (end.failureReason() == null ? "no reason given" : end.failureReason()),
                    "read the training log above (or " + log.location() + ")");
        }
        if (status.equals("Stopped")) {
            throw stoppedBySomeoneElse(name, end, job);
        }
        downloadResults(name, end, job.directory(), events);
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (MetricData metric : end.finalMetricDataList()) {
            if (metric.value() != null && Float.isFinite(metric.value())) {
                // SageMaker keeps 32-bit values: 0.12f is 0.12, not 0.11999999731779099
                metrics.put(metric.metricName(), Double.parseDouble(Float.toString(metric.value())));
            }
        }
        return new BackendRun(name, metrics, log.location(), hyperparameters);
    }

    private static TrainingFailedException stoppedBySomeoneElse(String name, DescribeTrainingJobResponse end,
            TrainingJob job) {
        String secondary = String.valueOf(end.secondaryStatusAsString());
        if (secondary.equals("MaxRuntimeExceeded")) {
            return new TrainingFailedException("training exceeded train.timeout (" + Durations.format(job.timeout())
                    + ") and SageMaker stopped job " + name, "raise train.timeout or make the script faster");
        }
        if (secondary.equals("MaxWaitTimeExceeded")) {
            return new TrainingFailedException("SageMaker stopped job " + name + ": spot capacity plus training took "
                    + "longer than train.sagemaker.max_wait", "raise max_wait, try another instance type or region, "
                    + "or train without spot");
        }
        return new TrainingFailedException("SageMaker training job " + name + " was stopped outside cd4ml ("
                + secondary + ")", "someone stopped it in the console, with the AWS CLI or from another build; "
                + "train again");
    }

    /**
     * Stops the job after an interrupt, waits briefly until SageMaker confirms, and returns the
     * exception to throw. A job that already ended is not an error: there is nothing to stop.
     */
    private OperationStoppedException stop(String name, AwsErrors errors, EventSink events) {
        Thread.interrupted(); // AWS calls refuse to run on an interrupted thread
        String state = "StopTrainingJob sent";
        try {
            events.info("stopping SageMaker training job " + name);
            try {
                errors.call("sagemaker:StopTrainingJob", name, () -> sagemaker.stopTrainingJob(b -> b
                        .trainingJobName(name)));
            } catch (Cd4mlException e) {
                if (!"ValidationException".equals(codeOf(e))) {
                    events.warn("could not stop SageMaker training job " + name + ": " + e.getMessage()
                            + "; stop it with 'aws sagemaker stop-training-job --training-job-name " + name + "'");
                    state = "it may still be running";
                }
                // ValidationException: already Completed, Failed or Stopped, or never created
            }
            JobWatcher watcher = new JobWatcher(sagemaker, errors, sleeper, EventSink.NONE);
            for (int i = 0; i < STOP_POLLS; i++) {
                try {
                    String status = watcher.describe(name).trainingJobStatusAsString();
                    if (status != null && STOPPING_OR_DONE.contains(status)) {
                        state = status;
                        break;
                    }
                } catch (Cd4mlException e) {
                    break; // never created, or no longer visible: nothing more to learn
                }
                sleeper.sleep(STOP_POLL);
            }
        } catch (InterruptedException again) {
            // a second interrupt: stop waiting for the confirmation
        }
        Thread.currentThread().interrupt();
        return new OperationStoppedException("SageMaker training job " + name + " (" + state + ")");
    }

    private static String codeOf(Cd4mlException e) {
        return e.getCause() instanceof SdkException sdk ? AwsErrors.code(sdk) : "";
    }

    private void uploadCode(TrainingJob job, EventSink events) {
        S3Location target = JobDefinition.sourceArchive(job);
        try {
            SourceArchive.Packed packed = SourceArchive.write(job.project().directory(),
                    job.directory().root().resolve("sourcedir.tar.gz"),
                    Map.of(TrainingRequirements.SCRIPT, TrainingRequirements.script()));
            if (packed.bytes() > LARGE_CODE_BYTES) {
                events.warn("the code archive is " + packed.bytes() / (1024 * 1024) + " MB; data belongs in an "
                        + "s3:// channel, not in the project directory");
            }
            s3.upload(packed.archive(), target);
            events.info("uploaded the code (" + packed.files().size() + " files, " + kilobytes(packed.bytes())
                    + ") to " + target);
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot pack the project's code: " + e.getMessage(),
                    "check that every file under " + job.project().directory() + " is readable", e);
        } catch (Cd4mlException e) {
            if (AwsErrors.isInterruption(e.getCause())) {
                Thread.currentThread().interrupt();
                throw new OperationStoppedException("uploading the code, before SageMaker training job "
                        + job.runId() + " was created");
            }
            throw e;
        }
    }

    /** Puts model.tar.gz into the model directory and output.tar.gz, if any, into output/data. */
    private void downloadResults(String name, DescribeTrainingJobResponse end, RunDirectory dir, EventSink events) {
        String modelUri = end.modelArtifacts() == null ? null : end.modelArtifacts().s3ModelArtifacts();
        if (modelUri == null || modelUri.isBlank()) {
            throw new TrainingFailedException("SageMaker training job " + name + " completed without model "
                    + "artifacts", "save the model into $SM_MODEL_DIR (/opt/ml/model)");
        }
        S3Location model = S3Location.parse(modelUri);
        Path downloads = dir.root().resolve("sagemaker");
        try {
            clear(dir.modelDir());
            if (model.key().endsWith(".tar.gz")) {
                s3.download(model, downloads);
                ModelArchive.extract(downloads.resolve(fileName(model)), dir.modelDir());
                S3Location output = sibling(model, "output.tar.gz");
                if (!s3.list(output).isEmpty()) {
                    s3.download(output, downloads);
                    ModelArchive.extract(downloads.resolve("output.tar.gz"), dir.outputDataDir());
                }
            } else {
                s3.download(model, dir.modelDir()); // uncompressed output: a prefix of model files
            }
            events.info("downloaded the model of " + name + " from " + modelUri);
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot unpack the model of SageMaker training job " + name + " from "
                    + modelUri + ": " + e.getMessage(), "check free space under " + dir.root(), e);
        } catch (Cd4mlException e) {
            if (AwsErrors.isInterruption(e.getCause())) {
                Thread.currentThread().interrupt();
                throw new OperationStoppedException("downloading the model of SageMaker training job " + name
                        + " (the job had completed)");
            }
            throw e;
        }
    }

    private static String fileName(S3Location location) {
        return location.key().substring(location.key().lastIndexOf('/') + 1);
    }

    private static S3Location sibling(S3Location location, String name) {
        int slash = location.key().lastIndexOf('/');
        return new S3Location(location.bucket(), location.key().substring(0, slash + 1) + name);
    }

    private static void clear(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            for (Path file : ContentDigest.regularFiles(directory)) {
                Files.delete(file);
            }
        }
        Files.createDirectories(directory);
    }

    /** The job's hyperparameters without the toolkit's {@code sagemaker_*} ones. */
    static Map<String, String> scriptHyperparameters(DescribeTrainingJobResponse job) {
        Map<String, String> script = new LinkedHashMap<>();
        job.hyperParameters().forEach((key, value) -> {
            if (!key.startsWith("sagemaker_") && !key.startsWith("_")) {
                script.put(key, value);
            }
        });
        return script;
    }

    private static String kilobytes(long bytes) {
        return bytes < 1024 ? bytes + " B" : (bytes + 1023) / 1024 + " KB";
    }

    private AwsErrors tuningErrors(TrainingJob job) {
        TrainConfig.SageMaker options = job.project().train().sagemaker();
        String region = sagemaker.serviceClientConfiguration().region().id();
        return new AwsErrors(region, options.roleArn().orElse(null), options.instanceType() + " for "
                + (options.spot() ? "spot " : "") + "training job usage", "hyperparameter tuning job");
    }

    private AwsErrors errors(TrainingJob job) {
        TrainConfig.SageMaker options = job.project().train().sagemaker();
        String region = sagemaker.serviceClientConfiguration().region().id();
        return new AwsErrors(region, options.roleArn().orElse(null), options.instanceType() + " for "
                + (options.spot() ? "spot " : "") + "training job usage");
    }

    /** Fails early, before anything is uploaded, when the AWS default chain has no credentials. */
    private void requireCredentials(AwsErrors errors) {
        IdentityProvider<? extends AwsCredentialsIdentity> provider =
                sagemaker.serviceClientConfiguration().credentialsProvider();
        if (provider == null) {
            return;
        }
        try {
            provider.resolveIdentity().join();
        } catch (SdkException e) {
            throw AwsErrors.noCredentials(errors.region(), e);
        } catch (CompletionException e) {
            throw AwsErrors.noCredentials(errors.region(), e.getCause());
        }
    }
}
