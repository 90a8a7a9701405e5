package io.jenkins.plugins.cd4ml.image.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;
import java.util.Map;

/**
 * Creates docker-java clients for image builds and local serving: the daemon from
 * {@code DOCKER_HOST} (else the default socket), over the httpclient5 transport.
 *
 * <p>Kept to the image package so it does not collide with the training backends' client factory;
 * the two can be unified.
 */
public final class ImageDockerClients {

    private ImageDockerClients() {
    }

    /** A client for the daemon {@code environment} points at. */
    public static DockerClient create(Map<String, String> environment) {
        DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder();
        String host = environment.get("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            builder.withDockerHost(host.strip());
        }
        DockerClientConfig config = builder.build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5))
                // builds and pushes stream for as long as they take
                .responseTimeout(Duration.ofHours(2))
                .maxConnections(16)
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** Where {@code environment} says the daemon is, for messages. */
    public static String describeHost(Map<String, String> environment) {
        String host = environment.get("DOCKER_HOST");
        return host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host.strip();
    }

    /** True if a daemon answers a ping. */
    public static boolean answers(DockerClient client) {
        try {
            client.pingCmd().exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
