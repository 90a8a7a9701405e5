package io.jenkins.plugins.cd4ml.image;

import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.docker.DockerServingImageBuilder;
import io.jenkins.plugins.cd4ml.image.jib.JibDockerClients;
import io.jenkins.plugins.cd4ml.image.jib.JibServingImageBuilder;
import java.util.List;
import java.util.Map;

/** Creates the image builder a project asks for ({@code serve.image.builder}) with the operation's clients. */
public final class ServingImageBuilders {

    /** The builder names. */
    public static final List<String> NAMES = List.of("auto", "docker", "jib");

    private ServingImageBuilders() {
    }

    /**
     * The builder for {@code name}: {@code docker} (a daemon must answer), {@code jib}, or
     * {@code auto} (docker when a daemon answers a ping, else jib).
     *
     * @throws Cd4mlException for an unknown name, or docker without a daemon
     */
    public static ServingImageBuilder create(String name, EngineContext context) {
        Map<String, String> environment = context.environment();
        EventSink events = context.events();
        switch (name) {
            case "docker" -> {
                DockerClient docker = context.clients().docker();
                if (!DockerClients.isAvailable(docker)) {
                    throw Cd4mlException.badInput("the docker image builder needs a Docker daemon, but none answers "
                            + "at " + DockerClients.host(environment), "start Docker (or set DOCKER_HOST), "
                            + "or build without a daemon: " + context.advice().option("builder", "jib"));
                }
                return new DockerServingImageBuilder(docker);
            }
            case "jib" -> {
                return jib(environment);
            }
            case "auto" -> {
                DockerClient docker = context.clients().docker();
                if (DockerClients.isAvailable(docker)) {
                    return new DockerServingImageBuilder(docker);
                }
                events.info("no Docker daemon answers at " + DockerClients.host(environment)
                        + "; building with jib");
                return jib(environment);
            }
            default -> throw Cd4mlException.badInput("'" + name + "' is not an image builder",
                    "use one of " + String.join(", ", NAMES));
        }
    }

    private static ServingImageBuilder jib(Map<String, String> environment) {
        return JibDockerClients.cli(environment).map(JibServingImageBuilder::new)
                .orElseGet(JibServingImageBuilder::new);
    }
}
