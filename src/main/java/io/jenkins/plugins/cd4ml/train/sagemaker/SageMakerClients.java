package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.Clients;
import io.jenkins.plugins.cd4ml.engine.EnvironmentClients;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The SageMaker backend's clients from the operation's client factories: one region for
 * SageMaker, CloudWatch Logs and S3 (SageMaker reads and writes buckets of its own region). The
 * SDK's standard retries handle throttling.
 */
final class SageMakerClients {

    /**
     * Bounds each SageMaker and CloudWatch Logs request, so that stopping a job after Ctrl-C
     * finishes within the minute the CLI waits even when the network hangs.
     */
    static final Duration ATTEMPT_TIMEOUT = EnvironmentClients.AWS_ATTEMPT_TIMEOUT;

    private SageMakerClients() {
    }

    static SageMakerTrainingBackend backend(ProjectConfig config, Clients clients) {
        Region region = region(config.train().sagemaker().region(), clients);
        SageMakerClient sagemaker = clients.sageMaker(region);
        CloudWatchLogsClient logs = clients.cloudWatchLogs(region);
        S3Client s3 = clients.s3(Optional.of(region.id()));
        return new SageMakerTrainingBackend(sagemaker, logs, new S3Transfers(s3), Sleeper.SYSTEM, () -> {
            sagemaker.close();
            logs.close();
            s3.close();
        });
    }

    /** {@code train.sagemaker.region}, else the environment's, else the AWS profile's. */
    static Region region(Optional<String> configured, Clients clients) {
        return clients.awsRegion(configured).orElseThrow(() -> Cd4mlException.badInput(
                "no AWS region for SageMaker training", "set train.sagemaker.region, or AWS_REGION, or a region "
                        + "in the AWS profile"));
    }
}
