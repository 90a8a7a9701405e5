package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.serve.LocalModelServer;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs an image with {@link LocalModelServer} on a thread (host networking, a free port) and
 * stops it like Ctrl-C does; {@link #close()} always leaves no container behind.
 */
final class ServedContainer implements AutoCloseable {

    final int port;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final DockerClient docker;
    private final String project;
    private final AtomicReference<Throwable> outcome = new AtomicReference<>();
    private final CancelToken cancel = new CancelToken();

    ServedContainer(ProjectConfig config, DockerClient docker, String image, int port) {
        this.port = port;
        this.docker = docker;
        this.project = config.name();
        thread = new Thread(() -> {
            try {
                LocalModelServer.inContainer(config, image, TestContexts.context(e -> {
                    if (e instanceof Event.LogLine l) {
                        lines.add(l.line());
                    }
                }, cancel)).withPort(port).run();
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "served-" + image);
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    /** Stops the server as Ctrl-C would (through the cancel token) and checks the container was removed. */
    @Override
    public void close() throws Exception {
        cancel.cancel();
        thread.join(60_000);
        assertThat(thread.isAlive()).as("the server thread stopped").isFalse();
        assertThat(outcome.get()).isInstanceOf(OperationStoppedException.class);
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("io.cd4ml.serve", project))
                .exec()).as("containers left behind").isEmpty();
    }
}
