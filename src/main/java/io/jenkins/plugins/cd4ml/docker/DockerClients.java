package io.jenkins.plugins.cd4ml.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates docker-java clients for the Docker daemon the environment points at, the way the
 * {@code docker} CLI finds it: {@code DOCKER_HOST} (default {@value #DEFAULT_HOST}),
 * {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH} for TLS, {@code DOCKER_CONFIG} for
 * registry credentials. Every client uses the Apache HttpClient 5 transport.
 *
 * <p>The transport keeps no read timeout: following a container's log or waiting for it to exit
 * may take hours.
 */
public final class DockerClients {

    /** Where the daemon listens when {@code DOCKER_HOST} is not set. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Map<List<String>, DockerClient> SHARED = new ConcurrentHashMap<>();
    /** The address of each client created here, for messages (docker-java clients do not tell). */
    private static final Map<DockerClient, String> HOSTS = Collections.synchronizedMap(new WeakHashMap<>());

    private DockerClients() {
    }

    /** The daemon address the environment names. */
    public static String host(Map<String, String> environment) {
        String host = environment.get("DOCKER_HOST");
        return host == null || host.isBlank() ? DEFAULT_HOST : host.strip();
    }

    /**
     * A new client for the daemon the environment names; the caller closes it.
     *
     * @throws Cd4mlException if {@code DOCKER_HOST} is not a daemon address
     */
    public static DockerClient create(Map<String, String> environment) {
        DockerClientConfig config = config(environment);
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(CONNECT_TIMEOUT)
                .build();
        DockerClient client = DockerClientImpl.getInstance(config, http);
        HOSTS.put(client, config.getDockerHost().toString());
        return client;
    }

    /**
     * A client for the daemon the environment names, created once per daemon and settings and kept
     * for the life of this JVM, so long-lived hosts (a Jenkins agent) do not leak connection pools.
     * Do not close it.
     */
    public static DockerClient shared(Map<String, String> environment) {
        List<String> key = List.of(host(environment), environment.getOrDefault("DOCKER_TLS_VERIFY", ""),
                environment.getOrDefault("DOCKER_CERT_PATH", ""), environment.getOrDefault("DOCKER_CONFIG", ""));
        return SHARED.computeIfAbsent(key, k -> create(environment));
    }

    /** True if the daemon answers a ping; never throws. */
    public static boolean isAvailable(DockerClient client) {
        try {
            client.pingCmd().exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Pings the daemon, explaining how to fix it if it does not answer.
     *
     * @throws Cd4mlException if the daemon cannot be reached
     */
    public static void requireAvailable(DockerClient client) {
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            String host = HOSTS.get(client);
            throw Cd4mlException.workFailed("cannot reach the Docker daemon" + (host != null ? " at " + host : "")
                    + ": " + DockerErrors.message(e),
                    "start Docker on this machine (dockerd, or systemctl start docker) or point DOCKER_HOST at a "
                            + "running daemon, e.g. unix:///var/run/docker.sock or tcp://host:2376", e);
        }
    }

    private static DockerClientConfig config(Map<String, String> environment) {
        String host = host(environment);
        URI uri;
        try {
            uri = URI.create(host);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getScheme() == null || !List.of("unix", "tcp", "npipe").contains(uri.getScheme())) {
            throw Cd4mlException.badInput("DOCKER_HOST '" + host + "' is not a Docker daemon address",
                    "use unix:///path/to/docker.sock or tcp://host:port, or unset DOCKER_HOST for " + DEFAULT_HOST);
        }
        Path home = Path.of(environment.getOrDefault("HOME", "/"));
        String tlsVerify = environment.getOrDefault("DOCKER_TLS_VERIFY", "");
        return DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .withDockerTlsVerify(!tlsVerify.isEmpty() && !tlsVerify.equals("0") && !tlsVerify.equals("false"))
                .withDockerCertPath(environment.getOrDefault("DOCKER_CERT_PATH", home.resolve(".docker").toString()))
                .withDockerConfig(environment.getOrDefault("DOCKER_CONFIG", home.resolve(".docker").toString()))
                .build();
    }
}
