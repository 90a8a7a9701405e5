package io.jenkins.plugins.cd4ml.engine;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.storage.S3Clients;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsWebIdentityTokenFileCredentialsProvider;

/**
 * Production clients configured from one operation's environment map, the way the {@code docker},
 * {@code kubectl} and {@code aws} tools read theirs, but without looking at the JVM's own
 * environment or system properties:
 *
 * <ul>
 *   <li>Docker: {@code DOCKER_HOST}, {@code DOCKER_TLS_VERIFY}, {@code DOCKER_CERT_PATH},
 *       {@code DOCKER_CONFIG} (see {@link DockerClients});</li>
 *   <li>Kubernetes: the first file of {@code KUBECONFIG}, else {@code $HOME/.kube/config}, else the
 *       pod's service account ({@code KUBERNETES_SERVICE_HOST});</li>
 *   <li>AWS credentials: {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}
 *       (/{@code AWS_SESSION_TOKEN}), else web identity ({@code AWS_WEB_IDENTITY_TOKEN_FILE} +
 *       {@code AWS_ROLE_ARN}, as on EKS), else the profile {@code AWS_PROFILE} (default
 *       {@code default}) of {@code AWS_SHARED_CREDENTIALS_FILE}/{@code AWS_CONFIG_FILE} or
 *       {@code $HOME/.aws/}, else the machine's instance role;</li>
 *   <li>AWS endpoints: {@code AWS_ENDPOINT_URL_SAGEMAKER}, {@code AWS_ENDPOINT_URL_CLOUDWATCH_LOGS},
 *       {@code AWS_ENDPOINT_URL}, and for S3 those of {@link S3Clients}.</li>
 * </ul>
 */
public final class EnvironmentClients implements Clients {

    /** Bounds each SageMaker and CloudWatch Logs request, so a stop finishes even when the network hangs. */
    public static final Duration AWS_ATTEMPT_TIMEOUT = Duration.ofSeconds(20);
    /** Where Kubernetes mounts a pod's service account. */
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private final Map<String, String> environment;

    EnvironmentClients(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public DockerClient docker() {
        return DockerClients.shared(environment);
    }

    @Override
    public KubernetesClient kubernetes() {
        return new KubernetesClientBuilder().withConfig(kubernetesConfig()).build();
    }

    Config kubernetesConfig() {
        Optional<Path> kubeconfig = kubeconfigFile();
        if (kubeconfig.isPresent()) {
            try {
                return Config.fromKubeconfig(null, Files.readString(kubeconfig.get(), StandardCharsets.UTF_8),
                        kubeconfig.get().toString());
            } catch (IOException | RuntimeException e) {
                throw Cd4mlException.badInput("cannot read the kubeconfig " + kubeconfig.get() + ": " + e.getMessage(),
                        "point KUBECONFIG at a valid kubeconfig (kubectl config view checks it)");
            }
        }
        String host = environment.get("KUBERNETES_SERVICE_HOST");
        if (host != null && !host.isBlank() && Files.isRegularFile(SERVICE_ACCOUNT.resolve("token"))) {
            return inClusterConfig(environment, SERVICE_ACCOUNT);
        }
        throw Cd4mlException.badInput("no Kubernetes cluster configured: no kubeconfig "
                + (environment.containsKey("KUBECONFIG") ? "at KUBECONFIG=" + environment.get("KUBECONFIG")
                        : "at " + home().map(h -> h.resolve(".kube/config").toString()).orElse("~/.kube/config"))
                + ", and not inside a pod", "set KUBECONFIG (or create ~/.kube/config) for the cluster to train on");
    }

    private Optional<Path> kubeconfigFile() {
        String list = environment.get("KUBECONFIG");
        if (list != null && !list.isBlank()) {
            for (String file : list.split(File.pathSeparator)) {
                if (!file.isBlank() && Files.isRegularFile(Path.of(file))) {
                    return Optional.of(Path.of(file));
                }
            }
            return Optional.empty();
        }
        return home().map(h -> h.resolve(".kube/config")).filter(Files::isRegularFile);
    }

    /**
     * The fabric8 configuration of the cluster a pod runs in, from an operation's environment
     * ({@code KUBERNETES_SERVICE_HOST}, {@code KUBERNETES_SERVICE_PORT}, default 443) and the
     * service account mounted at {@code serviceAccount} (its {@code ca.crt}, and its {@code token}
     * read again at each request: Kubernetes rotates bound tokens); never from the JVM's own
     * environment or system properties. The one place a client for a pod's cluster is configured.
     */
    public static Config inClusterConfig(Map<String, String> environment, Path serviceAccount) {
        String host = environment.get("KUBERNETES_SERVICE_HOST").strip();
        String port = environment.getOrDefault("KUBERNETES_SERVICE_PORT", "443").strip();
        return new ConfigBuilder(Config.empty())
                .withMasterUrl("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port)
                .withCaCertFile(serviceAccount.resolve("ca.crt").toString())
                .withOauthTokenProvider(() -> readToken(serviceAccount.resolve("token")))
                .build();
    }

    private static String readToken(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the service account token " + file, e);
        }
    }

    @Override
    public AwsCredentialsProvider awsCredentials() {
        String key = environment.get("AWS_ACCESS_KEY_ID");
        String secret = environment.get("AWS_SECRET_ACCESS_KEY");
        if (present(key) && present(secret)) {
            String token = environment.get("AWS_SESSION_TOKEN");
            return StaticCredentialsProvider.create(present(token)
                    ? AwsSessionCredentials.create(key.strip(), secret.strip(), token.strip())
                    : AwsBasicCredentials.create(key.strip(), secret.strip()));
        }
        String tokenFile = environment.get("AWS_WEB_IDENTITY_TOKEN_FILE");
        String role = environment.get("AWS_ROLE_ARN");
        if (present(tokenFile) && present(role)) {
            StsClient sts = StsClient.builder().region(awsRegion(Optional.empty()).orElse(Region.US_EAST_1))
                    .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
                    .build();
            return StsWebIdentityTokenFileCredentialsProvider.builder().stsClient(sts).roleArn(role.strip())
                    .roleSessionName(environment.getOrDefault("AWS_ROLE_SESSION_NAME", "cd4ml"))
                    .webIdentityTokenFile(Path.of(tokenFile.strip())).build();
        }
        Optional<ProfileFile> profiles = profileFile();
        if (profiles.isPresent() && profiles.get().profile(profileName()).isPresent()) {
            return ProfileCredentialsProvider.builder().profileFile(profiles.get()).profileName(profileName()).build();
        }
        return InstanceProfileCredentialsProvider.create();
    }

    @Override
    public Optional<Region> awsRegion(Optional<String> configured) {
        Optional<Region> named = S3Clients.namedRegion(configured, environment);
        if (named.isPresent()) {
            return named;
        }
        return profileFile().flatMap(f -> f.profile(profileName()))
                .flatMap(p -> p.property(ProfileProperty.REGION)).filter(EnvironmentClients::present).map(Region::of);
    }

    @Override
    public S3Client s3(Optional<String> region) {
        var builder = S3Client.builder().credentialsProvider(awsCredentials());
        Optional<URI> endpoint = S3Clients.endpoint(environment);
        endpoint.ifPresent(uri -> builder.endpointOverride(uri).forcePathStyle(true));
        return builder.region(s3Region(region)).build();
    }

    @Override
    public S3Presigner s3Presigner(Optional<String> region) {
        var builder = S3Presigner.builder().credentialsProvider(awsCredentials());
        Optional<URI> endpoint = S3Clients.endpoint(environment);
        endpoint.ifPresent(uri -> builder.endpointOverride(uri).serviceConfiguration(
                software.amazon.awssdk.services.s3.S3Configuration.builder().pathStyleAccessEnabled(true).build()));
        return builder.region(s3Region(region)).build();
    }

    /** S3-compatible stores ignore the region; AWS S3 redirects from any region to the bucket's. */
    private Region s3Region(Optional<String> region) {
        return awsRegion(region).orElse(S3Clients.FALLBACK_REGION);
    }

    @Override
    public SageMakerClient sageMaker(Region region) {
        var builder = SageMakerClient.builder().region(region).credentialsProvider(awsCredentials())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(AWS_ATTEMPT_TIMEOUT));
        endpoint("AWS_ENDPOINT_URL_SAGEMAKER").ifPresent(builder::endpointOverride);
        return builder.build();
    }

    @Override
    public CloudWatchLogsClient cloudWatchLogs(Region region) {
        var builder = CloudWatchLogsClient.builder().region(region).credentialsProvider(awsCredentials())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(AWS_ATTEMPT_TIMEOUT));
        endpoint("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS").ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private Optional<URI> endpoint(String serviceVariable) {
        for (String name : new String[] {serviceVariable, "AWS_ENDPOINT_URL"}) {
            String value = environment.get(name);
            if (present(value)) {
                return Optional.of(URI.create(value.strip()));
            }
        }
        return Optional.empty();
    }

    private String profileName() {
        String profile = environment.get("AWS_PROFILE");
        return present(profile) ? profile.strip() : "default";
    }

    private Optional<ProfileFile> profileFile() {
        Optional<Path> aws = home().map(h -> h.resolve(".aws"));
        Optional<Path> credentials = file("AWS_SHARED_CREDENTIALS_FILE").or(() -> aws.map(a -> a.resolve("credentials")));
        Optional<Path> config = file("AWS_CONFIG_FILE").or(() -> aws.map(a -> a.resolve("config")));
        ProfileFile.Aggregator aggregator = ProfileFile.aggregator();
        boolean any = false;
        if (credentials.filter(Files::isRegularFile).isPresent()) {
            aggregator.addFile(ProfileFile.builder().content(credentials.get())
                    .type(ProfileFile.Type.CREDENTIALS).build());
            any = true;
        }
        if (config.filter(Files::isRegularFile).isPresent()) {
            aggregator.addFile(ProfileFile.builder().content(config.get()).type(ProfileFile.Type.CONFIGURATION).build());
            any = true;
        }
        return any ? Optional.of(aggregator.build()) : Optional.empty();
    }

    private Optional<Path> file(String variable) {
        String value = environment.get(variable);
        return present(value) ? Optional.of(Path.of(value.strip())) : Optional.empty();
    }

    private Optional<Path> home() {
        String home = environment.get("HOME");
        return present(home) ? Optional.of(Path.of(home.strip())) : Optional.empty();
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
