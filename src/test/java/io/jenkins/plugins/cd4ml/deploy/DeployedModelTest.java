package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DeployedModel} (the gate's {@code compare_to: deployed[:ENV]}) in the operation's context:
 * a cancel stops the lookup, which is reported as stopped, as deploy and history are.
 */
class DeployedModelTest {

    /**
     * An API server that accepts connections and never answers: Helm (helm-java, for real) waits
     * for it without a timeout of its own, as it would for a cluster that hangs.
     */
    private static final class SilentApiServer implements AutoCloseable {

        final ServerSocket socket;
        final CountDownLatch asked = new CountDownLatch(1);
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        SilentApiServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        connections.add(socket.accept());
                        asked.countDown();
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "silent-api-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String kubeconfig() {
            return TestProjects.kubeconfigFor("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket c : connections) {
                c.close(); // the abandoned Helm call then fails and its thread ends
            }
        }
    }

    private static ProjectConfig helmProject(Path dir, String kubeconfig) throws IOException {
        ProjectConfig config = DeployProjects.iris(dir, """
                deploy:
                  target: helm
                  namespace: ml
                  release: iris
                  kubeconfig: kubeconfig.yaml
                  environments:
                    production: {namespace: ml-prod}
                """);
        Files.writeString(config.directory().resolve("kubeconfig.yaml"), kubeconfig);
        return config;
    }

    private static EngineContext context(CancelToken cancel) {
        return EngineContext.builder().environment(Map.of()).cancel(cancel).build();
    }

    /** The lookup on a thread of its own: a test that waits for its outcome must fail, not hang, if it hangs. */
    private static CompletableFuture<Optional<String>> lookup(ProjectConfig config, Optional<String> environment,
            CancelToken cancel) {
        return CompletableFuture.supplyAsync(() -> DeployedModel.version(config, environment, context(cancel)));
    }

    @Test
    void aCancelStopsWaitingForHelmAndIsReportedAsStopped(@TempDir Path tmp) throws Exception {
        try (SilentApiServer server = new SilentApiServer()) {
            ProjectConfig config = helmProject(tmp.resolve("p"), server.kubeconfig());
            CancelToken cancel = new CancelToken();
            CompletableFuture<Optional<String>> reading = lookup(config, Optional.of("production"), cancel);
            assertThat(server.asked.await(2, TimeUnit.MINUTES)).as("Helm asked the API server for the release")
                    .isTrue();
            assertThat(reading).as("Helm waits for the silent API server").isNotDone();

            cancel.cancel(); // Ctrl-C, or an abort in Jenkins, while the gate reads what serves

            // without the operation's token the lookup waits for Helm forever (the bound only keeps that from hanging)
            assertThatThrownBy(() -> reading.get(1, TimeUnit.MINUTES)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("the Helm history of release iris in namespace ml-prod");
        }
    }

    @Test
    void aCancelledOperationAsksNoCluster(@TempDir Path tmp) throws Exception {
        try (SilentApiServer server = new SilentApiServer()) {
            ProjectConfig config = helmProject(tmp.resolve("p"), server.kubeconfig());
            CancelToken cancel = new CancelToken();
            cancel.cancel();

            assertThatThrownBy(() -> lookup(config, Optional.of("production"), cancel).get(1, TimeUnit.MINUTES))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("reading which model serves in environment production, before it started");
            assertThat(server.asked.getCount()).as("no connection to the API server").isEqualTo(1);
        }
    }

    @Test
    void aCancelledOperationLooksForNoLocalContainer(@TempDir Path tmp) {
        ProjectConfig config = DeployProjects.iris(tmp.resolve("p"), "deploy:\n  target: local\n");
        CancelToken cancel = new CancelToken();
        cancel.cancel();

        assertThatThrownBy(() -> lookup(config, Optional.empty(), cancel).get(1, TimeUnit.MINUTES))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OperationStoppedException.class)
                .hasMessageContaining("reading which model serves in the deploy target, before it started");
    }
}
