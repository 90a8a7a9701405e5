package io.jenkins.plugins.cd4ml.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code train} section: where and how the training script runs.
 *
 * @param command the command to run (from {@code command}, or {@code [python, entrypoint]})
 * @param entrypoint the script, when given as {@code entrypoint}
 * @param channels input channels by name: {@code s3://}, {@code http(s)://} or a project path
 * @param output where models are stored: a project path or {@code s3://bucket/prefix}
 * @param hyperparameters the hyperparameters, every value as text (as SageMaker passes them)
 * @param python the interpreter for the local backend, if set
 */
public record TrainConfig(
        Backend backend,
        Optional<String> entrypoint,
        List<String> command,
        Optional<String> image,
        Map<String, String> channels,
        String output,
        Map<String, String> hyperparameters,
        List<Metric> metrics,
        Resources resources,
        Duration timeout,
        Optional<String> python,
        Kubernetes kubernetes,
        SageMaker sagemaker) {

    /** Where training runs. */
    public enum Backend {
        LOCAL, DOCKER, KUBERNETES, SAGEMAKER;

        /** The name used in {@code config.yaml} and on the command line. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** All names, for messages. */
        public static List<String> configNames() {
            return List.of("local", "docker", "kubernetes", "sagemaker");
        }

        public static Backend fromConfigName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }

        /**
         * The longest {@code train.timeout} this backend can honour, if it has a limit: SageMaker
         * stops a job after 28 days (MaxRuntimeInSeconds and MaxWaitTimeInSeconds); the kubernetes
         * backend hands the pod presigned S3 URLs, which Signature V4 keeps valid for at most 7
         * days, less the 15 minutes the pod needs for its uploads.
         */
        public Optional<Duration> longestTimeout() {
            return switch (this) {
                case KUBERNETES -> Optional.of(Duration.ofDays(7).minusMinutes(15));
                case SAGEMAKER -> Optional.of(Duration.ofDays(28));
                default -> Optional.empty();
            };
        }

        /** True where the script runs away from this machine and can only reach remote data. */
        public boolean isRemote() {
            return this == KUBERNETES || this == SAGEMAKER;
        }
    }

    /** A metric read from the training log, with SageMaker MetricDefinitions semantics. */
    public record Metric(String name, Pattern regex) {
    }

    /** Compute requested for training (Kubernetes quantities). */
    public record Resources(Optional<String> cpu, Optional<String> memory, int gpu) {
    }

    /** Options of the kubernetes backend. */
    public record Kubernetes(
            Optional<String> namespace,
            Optional<String> serviceAccount,
            Map<String, String> nodeSelector,
            List<Toleration> tolerations,
            List<String> secrets,
            Map<String, String> env) {
    }

    /** A Kubernetes toleration for the training pod. */
    public record Toleration(Optional<String> key, String operator, Optional<String> value,
            Optional<String> effect, Optional<Long> tolerationSeconds) {
    }

    /** Options of the sagemaker backend. */
    public record SageMaker(
            Optional<String> roleArn,
            String instanceType,
            int instanceCount,
            int volumeGb,
            boolean spot,
            Optional<Duration> maxWait,
            Optional<String> region,
            Optional<String> checkpointUri) {
    }
}
