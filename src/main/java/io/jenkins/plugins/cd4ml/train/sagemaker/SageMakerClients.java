package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.storage.S3Clients;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * Production clients for the SageMaker backend: credentials from the AWS default chain, one
 * region for SageMaker, CloudWatch Logs and S3 (SageMaker reads and writes buckets of its own
 * region). The SDK's standard retries handle throttling; endpoint overrides such as
 * {@code AWS_ENDPOINT_URL_SAGEMAKER} work as the SDK defines them.
 */
final class SageMakerClients {

    /**
     * Bounds each SageMaker and CloudWatch Logs request, so that stopping a job after Ctrl-C
     * finishes within the minute the CLI waits even when the network hangs.
     */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(20);

    private SageMakerClients() {
    }

    static SageMakerTrainingBackend backend(ProjectConfig config, Map<String, String> environment) {
        Region region = region(config.train().sagemaker().region(), environment);
        SageMakerClient sagemaker = SageMakerClient.builder().region(region)
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT)).build();
        CloudWatchLogsClient logs = CloudWatchLogsClient.builder().region(region)
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT)).build();
        S3Client s3 = S3Clients.create(environment, Optional.of(region.id()));
        return new SageMakerTrainingBackend(sagemaker, logs, new S3Transfers(s3), Sleeper.SYSTEM, () -> {
            sagemaker.close();
            logs.close();
            s3.close();
        });
    }

    /** {@code train.sagemaker.region}, else the environment's, else the AWS profile's. */
    static Region region(Optional<String> configured, Map<String, String> environment) {
        Optional<Region> named = S3Clients.namedRegion(configured, environment);
        if (named.isPresent()) {
            return named.get();
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException e) {
            throw Cd4mlException.badInput("no AWS region for SageMaker training", "set train.sagemaker.region, "
                    + "or AWS_REGION, or a region in the AWS profile");
        }
    }
}
