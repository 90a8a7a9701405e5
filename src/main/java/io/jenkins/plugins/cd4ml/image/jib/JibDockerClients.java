package io.jenkins.plugins.cd4ml.image.jib;

import com.google.cloud.tools.jib.api.DockerClient;
import com.google.cloud.tools.jib.docker.CliDockerClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Jib's Docker daemon access, through the {@code docker} command (which honours DOCKER_HOST). */
public final class JibDockerClients {

    private JibDockerClients() {
    }

    /** A client using the {@code docker} command on {@code PATH}, if there is one. */
    public static Optional<DockerClient> cli(Map<String, String> environment) {
        return dockerExecutable(environment).map(docker -> new CliDockerClient(docker, environment));
    }

    private static Optional<Path> dockerExecutable(Map<String, String> environment) {
        String path = environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, "docker");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
