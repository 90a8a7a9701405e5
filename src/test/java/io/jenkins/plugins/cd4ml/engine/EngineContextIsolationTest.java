package io.jenkins.plugins.cd4ml.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.services.s3.S3Client;

/** Two operations in one JVM, as two Jenkins builds on one agent: neither sees the other's settings. */
class EngineContextIsolationTest {

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    /** Waits for the other run, so both are in flight at once, then prints what this run's environment says. */
    private static String script(Path barrier) {
        return """
                import os, time
                open(%1$s + "/" + os.environ["WHO"], "w").write("here")
                for _ in range(300):
                    if len(os.listdir(%1$s)) >= 2:
                        break
                    time.sleep(0.05)
                print("who=" + os.environ["WHO"] + " key=" + os.environ.get("AWS_ACCESS_KEY_ID", "none"))
                open(os.path.join(os.environ["SM_MODEL_DIR"], "m.txt"), "w").write(os.environ["WHO"])
                print("accuracy=0.9")
                """.formatted("'" + barrier + "'");
    }

    private Map<String, String> environment(String who, String secret) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("WHO", who);
        env.put("CD4ML_S3_ENDPOINT", proxy.getUri().toString());
        env.put("AWS_ACCESS_KEY_ID", proxy.getAccessKey());
        env.put("AWS_SECRET_ACCESS_KEY", secret);
        env.put("AWS_REGION", "eu-west-1");
        return env;
    }

    @Test
    void twoTrainingsAtOnceUseTheirOwnEnvironmentAndCredentials(@TempDir Path tmp) throws Exception {
        try (S3Client admin = S3Proxies.client(proxy)) {
            admin.createBucket(b -> b.bucket("models"));
        }
        Path barrier = Files.createDirectories(tmp.resolve("barrier"));
        ProjectConfig alpha = project(tmp.resolve("alpha"), barrier);
        ProjectConfig beta = project(tmp.resolve("beta"), barrier);
        List<Event> alphaEvents = new CopyOnWriteArrayList<>();
        List<Event> betaEvents = new CopyOnWriteArrayList<>();
        AtomicReference<Object> alphaOutcome = new AtomicReference<>();
        AtomicReference<Object> betaOutcome = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(2);
        start(alpha, EngineContext.builder().environment(environment("alpha", proxy.getSecretKey()))
                .events(alphaEvents::add).build(), alphaOutcome, done);
        start(beta, EngineContext.builder().environment(environment("beta", "not-the-secret"))
                .events(betaEvents::add).build(), betaOutcome, done);
        assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();

        assertThat(alphaOutcome.get()).as("alpha, with the right credentials, stored its model")
                .isInstanceOf(TrainingResult.class);
        assertThat(((TrainingResult) alphaOutcome.get()).modelUri()).startsWith("s3://models/");
        assertThat(betaOutcome.get()).as("beta's wrong secret is beta's alone").isInstanceOf(Cd4mlException.class);
        assertThat(lines(alphaEvents)).contains("who=alpha key=" + proxy.getAccessKey())
                .noneMatch(l -> l.contains("beta"));
        assertThat(lines(betaEvents)).contains("who=beta key=" + proxy.getAccessKey())
                .noneMatch(l -> l.contains("alpha"));
        assertThat(Files.list(barrier)).as("both scripts ran at once").hasSize(2);
    }

    @Test
    void clientsFollowTheirOwnContextsKubeconfigDockerHostAndAwsCredentials(@TempDir Path tmp) throws Exception {
        EngineContext one = EngineContext.builder().environment(Map.of("KUBECONFIG", kubeconfig(tmp, "one", 6443)
                .toString(), "DOCKER_HOST", "tcp://127.0.0.1:2375", "AWS_ACCESS_KEY_ID", "AKIAONE",
                "AWS_SECRET_ACCESS_KEY", "secret-one", "AWS_REGION", "eu-west-1")).build();
        EngineContext two = EngineContext.builder().environment(Map.of("HOME", home(tmp, "two", 7443).toString(),
                "AWS_PROFILE", "ci")).build();

        try (KubernetesClient k1 = one.clients().kubernetes(); KubernetesClient k2 = two.clients().kubernetes()) {
            assertThat(k1.getMasterUrl().toString()).isEqualTo("https://one.example:6443/");
            assertThat(k2.getMasterUrl().toString()).isEqualTo("https://two.example:7443/");
        }
        AwsCredentials c1 = one.clients().awsCredentials().resolveCredentials();
        AwsCredentials c2 = two.clients().awsCredentials().resolveCredentials();
        assertThat(c1.accessKeyId()).isEqualTo("AKIAONE");
        assertThat(c2.accessKeyId()).isEqualTo("AKIATWO");
        assertThat(one.clients().awsRegion(java.util.Optional.empty())).hasValueSatisfying(r ->
                assertThat(r.id()).isEqualTo("eu-west-1"));
        assertThat(two.clients().awsRegion(java.util.Optional.empty())).hasValueSatisfying(r ->
                assertThat(r.id()).isEqualTo("ap-south-1"));
        assertThat(io.jenkins.plugins.cd4ml.docker.DockerClients.host(one.environment()))
                .isEqualTo("tcp://127.0.0.1:2375");
        assertThat(io.jenkins.plugins.cd4ml.docker.DockerClients.host(two.environment()))
                .isEqualTo(io.jenkins.plugins.cd4ml.docker.DockerClients.DEFAULT_HOST);
    }

    private static Path kubeconfig(Path dir, String name, int port) {
        Path file = dir.resolve(name + "-kubeconfig");
        TestProjects.write(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster: {server: "https://%1$s.example:%2$d"}
                users:
                - name: %1$s
                  user: {token: "token-%1$s"}
                contexts:
                - name: %1$s
                  context: {cluster: %1$s, user: %1$s}
                current-context: %1$s
                """.formatted(name, port));
        return file;
    }

    /** A home directory with a kubeconfig and an AWS profile {@code ci}. */
    private static Path home(Path dir, String name, int port) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name + "-home"));
        Files.createDirectories(home.resolve(".kube"));
        Files.copy(kubeconfig(dir, name, port), home.resolve(".kube/config"));
        TestProjects.write(home.resolve(".aws/credentials"),
                "[ci]\naws_access_key_id = AKIATWO\naws_secret_access_key = secret-two\n");
        TestProjects.write(home.resolve(".aws/config"), "[profile ci]\nregion = ap-south-1\n");
        return home;
    }

    private static ProjectConfig project(Path dir, Path barrier) throws Exception {
        TestProjects.project(dir, script(barrier), "output: s3://models/" + dir.getFileName() + "\n");
        return ConfigLoader.forProject(dir).load();
    }

    private static void start(ProjectConfig config, EngineContext context, AtomicReference<Object> outcome,
            CountDownLatch done) {
        new Thread(() -> {
            try {
                outcome.set(Trainer.forProject(config, context).call());
            } catch (Throwable t) {
                outcome.set(t);
            } finally {
                done.countDown();
            }
        }, "training-" + config.directory().getFileName()).start();
    }

    private static List<String> lines(List<Event> events) {
        return events.stream().filter(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e).line()).toList();
    }
}
