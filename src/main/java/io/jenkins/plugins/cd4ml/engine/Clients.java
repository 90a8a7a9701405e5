package io.jenkins.plugins.cd4ml.engine;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The client factories of one operation: every Docker, Kubernetes and AWS client the engine uses
 * comes from here, configured from the operation's environment and credentials (never from the
 * JVM's), so two operations in one JVM talk to their own daemons, clusters and accounts.
 *
 * <p>{@link #fromEnvironment} is the production implementation; tests implement this interface
 * to hand in mock-server, WireMock or s3proxy-backed clients. Clients returned by the AWS and
 * Kubernetes methods are new and owned by the caller, who closes them; the Docker client is shared
 * per daemon and must not be closed.
 */
public interface Clients {

    /** Clients configured from {@code environment} alone (see {@link EnvironmentClients}). */
    static Clients fromEnvironment(java.util.Map<String, String> environment) {
        return new EnvironmentClients(environment);
    }

    /** The Docker daemon the environment names ({@code DOCKER_HOST}, …); shared, do not close. */
    DockerClient docker();

    /**
     * The Kubernetes cluster of the environment's kubeconfig ({@code KUBECONFIG}, else
     * {@code $HOME/.kube/config}) or, inside a pod, of its service account.
     */
    KubernetesClient kubernetes();

    /** AWS credentials of this operation. */
    AwsCredentialsProvider awsCredentials();

    /**
     * The AWS region: {@code configured}, else {@code AWS_REGION}/{@code AWS_DEFAULT_REGION}, else
     * the AWS profile's; empty if none names one.
     */
    Optional<Region> awsRegion(Optional<String> configured);

    /** An S3 client for the region (any when empty), honouring S3 endpoint overrides. */
    S3Client s3(Optional<String> region);

    /** A presigner matching {@link #s3}. */
    S3Presigner s3Presigner(Optional<String> region);

    /** A SageMaker client for the region. */
    SageMakerClient sageMaker(Region region);

    /** A CloudWatch Logs client for the region. */
    CloudWatchLogsClient cloudWatchLogs(Region region);
}
