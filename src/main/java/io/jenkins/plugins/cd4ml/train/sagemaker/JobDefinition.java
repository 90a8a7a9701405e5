package io.jenkins.plugins.cd4ml.train.sagemaker;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.sagemaker.model.AlgorithmSpecification;
import software.amazon.awssdk.services.sagemaker.model.Channel;
import software.amazon.awssdk.services.sagemaker.model.CheckpointConfig;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DataSource;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterAlgorithmSpecification;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTrainingJobDefinition;
import software.amazon.awssdk.services.sagemaker.model.MetricDefinition;
import software.amazon.awssdk.services.sagemaker.model.OutputDataConfig;
import software.amazon.awssdk.services.sagemaker.model.ResourceConfig;
import software.amazon.awssdk.services.sagemaker.model.S3DataDistribution;
import software.amazon.awssdk.services.sagemaker.model.S3DataSource;
import software.amazon.awssdk.services.sagemaker.model.S3DataType;
import software.amazon.awssdk.services.sagemaker.model.StoppingCondition;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TrainingInputMode;

/**
 * Turns a cd4ml training run into a SageMaker {@code CreateTrainingJob} request, or into the
 * training job definition of a {@code CreateHyperParameterTuningJob} request (the same parts, so a
 * tuning trial runs as a single job would), and knows where the run's files live under
 * {@code train.output}:
 *
 * <pre>
 * &lt;train.output&gt;/&lt;project&gt;/code/&lt;run id&gt;/sourcedir.tar.gz   the code the toolkit runs
 * &lt;train.output&gt;/&lt;project&gt;/jobs/&lt;job&gt;/output/model.tar.gz  written by SageMaker
 * &lt;train.output&gt;/&lt;project&gt;/checkpoints/&lt;run id&gt;/         spot checkpoints (unless checkpoint_uri)
 * </pre>
 *
 * <p>The code reaches the container the way the SageMaker Python SDK's framework estimators send
 * it: the hyperparameters {@code sagemaker_program} (cd4ml's {@code cd4ml_requirements.py}, packed
 * with the code, which records the library versions for {@code model.json} and then runs the
 * script that {@code CD4ML_PROGRAM} names, with the same arguments) and
 * {@code sagemaker_submit_directory} (the archive's S3 URI), JSON-encoded, which the SageMaker
 * training toolkit in AWS's framework images decodes, downloads and runs. The script's own
 * hyperparameters are passed as the plain strings every other backend writes, so
 * {@code hyperparameters.json} reads the same everywhere.
 */
final class JobDefinition {

    static final String PROGRAM = "sagemaker_program";
    /** The user's script, which {@value #PROGRAM} runs once it has recorded the library versions. */
    static final String USER_PROGRAM = "CD4ML_PROGRAM";
    static final String SUBMIT_DIRECTORY = "sagemaker_submit_directory";
    static final String REGION = "sagemaker_region";
    static final String JOB_NAME = "sagemaker_job_name";
    static final String LOG_LEVEL = "sagemaker_container_log_level";

    /** SageMaker's rule for training job names. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");

    /** SageMaker's limit on MaxRuntimeInSeconds and MaxWaitTimeInSeconds. */
    static final Duration LONGEST_RUN = TrainConfig.Backend.SAGEMAKER.longestTimeout().orElseThrow();

    static final String TAG_PROJECT = "cd4ml:project";
    static final String TAG_RUN = "cd4ml:run-id";
    static final String TAG_COMMIT = "cd4ml:git-commit";

    private JobDefinition() {
    }

    /** {@code <train.output>/<project>/}, under which everything of the project lives. */
    static S3Location projectPrefix(TrainingJob job) {
        return S3Location.parse(job.project().train().output()).child(job.project().name());
    }

    static S3Location sourceArchive(TrainingJob job) {
        return projectPrefix(job).child("code").child(job.runId()).child("sourcedir.tar.gz");
    }

    /**
     * The script the toolkit runs, relative to the project root: {@code train.entrypoint}, or the
     * script of a {@code command} of the form {@code [python, script.py]}.
     *
     * @throws Cd4mlException if the command is something else, which SageMaker cannot run this way
     */
    static String program(TrainConfig train) {
        if (train.entrypoint().isPresent()) {
            return train.entrypoint().get();
        }
        List<String> command = train.command();
        boolean python = !command.isEmpty() && (command.get(0).equals("python") || command.get(0).equals("python3"));
        if (python && command.size() == 2 && command.get(1).endsWith(".py")) {
            return command.get(1);
        }
        throw Cd4mlException.badInput("on SageMaker, cd4ml runs a Python script through the SageMaker training "
                + "toolkit, which cannot run train.command " + command, "set train.entrypoint to the script (its "
                + "arguments come from train.hyperparameters), or use an image whose own training program needs "
                + "no command");
    }

    /**
     * What a training job and a tuning job's training job definition have in common, built once
     * by {@link #parts} so that a trial of a SageMaker tuning job runs exactly as a single job
     * would.
     *
     * @param checkpoint spot checkpoints, or null without spot training
     */
    record Parts(String role, String image, List<MetricDefinition> metrics, Map<String, String> hyperparameters,
            List<Channel> channels, OutputDataConfig output, ResourceConfig resources, StoppingCondition stopping,
            boolean spot, CheckpointConfig checkpoint, Map<String, String> environment) {
    }

    static CreateTrainingJobRequest request(TrainingJob job, String region, Optional<ModelManifest.GitInfo> git) {
        String name = job.runId();
        if (!NAME.matcher(name).matches()) {
            throw Cd4mlException.badInput("'" + name + "' cannot name a SageMaker training job",
                    "use at most 63 letters, digits and '-', starting and ending with a letter or digit");
        }
        Parts parts = parts(job, region);
        CreateTrainingJobRequest.Builder request = CreateTrainingJobRequest.builder()
                .trainingJobName(name)
                .roleArn(parts.role())
                .algorithmSpecification(AlgorithmSpecification.builder()
                        .trainingImage(parts.image())
                        .trainingInputMode(TrainingInputMode.FILE)
                        .metricDefinitions(parts.metrics())
                        .build())
                .hyperParameters(parts.hyperparameters())
                .inputDataConfig(parts.channels())
                .outputDataConfig(parts.output())
                .resourceConfig(parts.resources())
                .enableManagedSpotTraining(parts.spot())
                .environment(parts.environment())
                .tags(tags(job, git))
                .stoppingCondition(parts.stopping());
        if (parts.checkpoint() != null) {
            request.checkpointConfig(parts.checkpoint());
        }
        return request.build();
    }

    /**
     * The training job definition of a tuning job whose run id is {@code job.runId()}: the same
     * parts as {@link #request}, with the tuned hyperparameters left out of the static ones
     * (SageMaker refuses a name that is both).
     */
    static HyperParameterTrainingJobDefinition tuningDefinition(TrainingJob job, String region, Set<String> tuned) {
        Parts parts = parts(job, region);
        Map<String, String> fixed = new LinkedHashMap<>(parts.hyperparameters());
        fixed.keySet().removeAll(tuned);
        HyperParameterTrainingJobDefinition.Builder definition = HyperParameterTrainingJobDefinition.builder()
                .roleArn(parts.role())
                .algorithmSpecification(HyperParameterAlgorithmSpecification.builder()
                        .trainingImage(parts.image())
                        .trainingInputMode(TrainingInputMode.FILE)
                        .metricDefinitions(parts.metrics())
                        .build())
                .staticHyperParameters(fixed)
                .inputDataConfig(parts.channels())
                .outputDataConfig(parts.output())
                .resourceConfig(parts.resources())
                .enableManagedSpotTraining(parts.spot())
                .environment(parts.environment())
                .stoppingCondition(parts.stopping());
        if (parts.checkpoint() != null) {
            definition.checkpointConfig(parts.checkpoint());
        }
        return definition.build();
    }

    static Parts parts(TrainingJob job, String region) {
        TrainConfig train = job.project().train();
        TrainConfig.SageMaker sagemaker = train.sagemaker();
        String role = sagemaker.roleArn().orElseThrow(() -> Cd4mlException.badInput(
                "the sagemaker backend needs train.sagemaker.role_arn", "set it to the IAM role SageMaker assumes, "
                        + "arn:aws:iam::<account>:role/<name>"));
        String image = train.image().orElseThrow(() -> Cd4mlException.badInput(
                "the sagemaker backend needs train.image", "set it to a training image in ECR, e.g. an AWS "
                        + "scikit-learn framework image, or pass --image"));
        StoppingCondition.Builder stopping = StoppingCondition.builder()
                .maxRuntimeInSeconds(seconds(train.timeout(), "train.timeout"));
        CheckpointConfig checkpoint = null;
        if (sagemaker.spot()) {
            Duration maxWait = sagemaker.maxWait().orElse(train.timeout());
            stopping.maxWaitTimeInSeconds(seconds(maxWait, "train.sagemaker.max_wait"));
            String checkpoints = sagemaker.checkpointUri()
                    .orElseGet(() -> prefixUri(projectPrefix(job).child("checkpoints").child(job.runId())));
            checkpoint = CheckpointConfig.builder().s3Uri(checkpoints).build();
        }
        return new Parts(role, image,
                train.metrics().stream().map(m -> MetricDefinition.builder()
                        .name(m.name()).regex(m.regex().pattern()).build()).toList(),
                hyperparameters(job, region),
                channels(train),
                OutputDataConfig.builder().s3OutputPath(prefixUri(projectPrefix(job).child("jobs"))).build(),
                ResourceConfig.builder()
                        .instanceType(sagemaker.instanceType())
                        .instanceCount(sagemaker.instanceCount())
                        .volumeSizeInGB(sagemaker.volumeGb())
                        .build(),
                stopping.build(), sagemaker.spot(), checkpoint, environment(job));
    }

    /**
     * The training container's environment: the run id, and the script for {@value #PROGRAM}
     * ({@link TrainingRequirements#SCRIPT}, packed with the code) to record the library versions
     * for and then run ({@value #USER_PROGRAM}).
     */
    static Map<String, String> environment(TrainingJob job) {
        return Map.of("CD4ML_RUN_ID", job.runId(), USER_PROGRAM, program(job.project().train()));
    }

    /** The script's hyperparameters as plain strings, then the toolkit's, JSON-encoded as it expects. */
    static Map<String, String> hyperparameters(TrainingJob job, String region) {
        S3Location code = sourceArchive(job);
        Map<String, String> hps = new LinkedHashMap<>(job.hyperparameters());
        program(job.project().train()); // a command SageMaker cannot run fails here, before anything is uploaded
        hps.put(PROGRAM, jsonString(TrainingRequirements.SCRIPT));
        hps.put(SUBMIT_DIRECTORY, jsonString(code.toString()));
        hps.put(REGION, jsonString(region));
        hps.put(JOB_NAME, jsonString(job.runId()));
        hps.put(LOG_LEVEL, "20");
        return hps;
    }

    private static List<Channel> channels(TrainConfig train) {
        List<Channel> channels = new ArrayList<>();
        for (Map.Entry<String, String> channel : train.channels().entrySet()) {
            if (!channel.getValue().startsWith("s3://")) {
                throw Cd4mlException.badInput("channel '" + channel.getKey() + "' is " + channel.getValue()
                        + ", which SageMaker cannot read", "upload it and use s3://bucket/key in train.channels");
            }
            channels.add(Channel.builder()
                    .channelName(channel.getKey())
                    .dataSource(DataSource.builder().s3DataSource(S3DataSource.builder()
                            .s3DataType(S3DataType.S3_PREFIX)
                            .s3Uri(channel.getValue())
                            .s3DataDistributionType(S3DataDistribution.FULLY_REPLICATED)
                            .build()).build())
                    .build());
        }
        return channels;
    }

    static List<Tag> tags(TrainingJob job, Optional<ModelManifest.GitInfo> git) {
        List<Tag> tags = new ArrayList<>();
        tags.add(Tag.builder().key(TAG_PROJECT).value(job.project().name()).build());
        tags.add(Tag.builder().key(TAG_RUN).value(job.runId()).build());
        git.ifPresent(g -> tags.add(Tag.builder().key(TAG_COMMIT).value(g.commit()).build()));
        return tags;
    }

    private static int seconds(Duration duration, String setting) {
        if (duration.compareTo(LONGEST_RUN) > 0) {
            throw Cd4mlException.badInput(setting + " is " + Durations.format(duration) + ", longer than SageMaker "
                    + "allows", "use at most 28d, and save checkpoints if training takes longer");
        }
        return (int) Math.max(1, duration.toSeconds());
    }

    /** {@code s3://bucket/prefix/}, with the trailing slash that marks a prefix. */
    static String prefixUri(S3Location location) {
        return "s3://" + location.bucket() + "/" + location.prefix();
    }

    private static String jsonString(String value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }
}
