package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.Container;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import io.jenkins.plugins.cd4ml.image.RegistryCredentials;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.image.docker.DockerServingImageBuilder;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy.target: local} with a real Docker daemon and a real serving image of the trained
 * iris model: deploy, keep the old container when the new one fails its smoke test, replace it
 * when the new one passes; and without Docker, a smoke test of the bundled server as a process.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalDeployerTest {

    @TempDir
    static Path dir;
    static DockerClient docker;
    static ProjectConfig config;
    static TrainingResult trained;
    static ImageResult good;
    static String broken;
    static DeployResult first;

    @BeforeAll
    static void trainAndBuild() throws Exception {
        TestEnvironment.requireDockerAndBaseImage();
        TestProjects.requirePythonMl();
        docker = DockerClients.create(System.getenv());
        config = DeployProjects.iris(dir.resolve("iris"), "deploy:\n  target: local\n  release: iris-local-test\n");
        trained = Trainer.forProject(config, TestContexts.context()).promoting(true).call();
        good = ServingImage.forModel(config, trained.modelUri(), TestContexts.context()).withRepository("cd4ml-test/deploy-local")
                .withTag("{model_version}").withBaseImage(TestEnvironment.baseImage())
                .withBuilder(new DockerServingImageBuilder(docker)).withCredentials(RegistryCredentials.NONE).build();
        // the same image whose server dies at start, as a model that cannot load would
        Path context = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + good.reference() + "\nENTRYPOINT [\"python3\", "
                + "\"-c\", \"import sys; print('model failed to load: boom', file=sys.stderr); sys.exit(3)\"]\n");
        broken = "cd4ml-test/deploy-local:broken";
        docker.buildImageCmd(context.toFile()).withTags(Set.of(broken)).exec(new BuildImageResultCallback())
                .awaitImageId(2, TimeUnit.MINUTES);
    }

    @AfterAll
    static void cleanUp() {
        if (docker != null) {
            for (Container c : containers()) {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
            }
            for (String image : new String[] {broken, good == null ? null : good.reference()}) {
                if (image != null) {
                    try {
                        docker.removeImageCmd(image).withForce(true).exec();
                    } catch (RuntimeException e) {
                        // already gone
                    }
                }
            }
        }
    }

    private static List<Container> containers() {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LocalDeployer.RELEASE_LABEL, "iris-local-test")).exec();
    }

    private static LocalDeployer deployer(String image, List<Event> events) {
        return LocalDeployer.forProject(config, TestContexts.context(events::add)).withImage(Optional.of(image))
                .withDocker(docker).withReadyTimeout(Duration.ofSeconds(90));
    }

    private static int status(String url) {
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(url + "ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(1)
    void deploysARealContainerThatPassedItsSmokeTest() {
        List<Event> events = new CopyOnWriteArrayList<>();
        first = deployer(good.reference(), events).deploy();

        assertThat(first.status()).as(first.error()).isEqualTo("deployed");
        assertThat(first.target()).isEqualTo("local");
        assertThat(first.modelVersion()).isEqualTo(trained.modelVersion());
        assertThat(first.url()).startsWith("http://127.0.0.1:");
        assertThat(status(first.url())).isEqualTo(200);
        assertThat(containers()).hasSize(1);
        assertThat(containers().get(0).getNames()[0]).isEqualTo("/" + first.release());
        assertThat(events).anyMatch(e -> e instanceof Event.Message m && m.text().startsWith("smoke test passed"));
        assertThat(LocalDeployer.forProject(config, TestContexts.context()).withDocker(docker).deployedModelVersion())
                .contains(trained.modelVersion());
    }

    @Test
    @Order(2)
    void keepsTheOldContainerWhenTheNewOneFailsItsSmokeTest() {
        DeployResult r = deployer(broken, new CopyOnWriteArrayList<>()).deploy();

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.succeeded()).isFalse();
        assertThat(r.error()).contains("the server exited before it was ready").contains("the previous deployment "
                + first.release() + " keeps serving");
        assertThat(r.problems()).hasSize(1);
        assertThat(r.problems().get(0).logTail()).contains("model failed to load: boom");
        assertThat(containers()).extracting(c -> c.getNames()[0]).containsExactly("/" + first.release());
        assertThat(status(first.url())).as("the old deployment still answers").isEqualTo(200);
    }

    @Test
    @Order(3)
    void replacesTheOldContainerWhenTheNewOnePasses() {
        DeployResult second = deployer(good.reference(), new CopyOnWriteArrayList<>()).deploy();

        assertThat(second.status()).isEqualTo("deployed");
        assertThat(second.release()).isNotEqualTo(first.release());
        assertThat(containers()).extracting(c -> c.getNames()[0]).containsExactly("/" + second.release());
        assertThat(status(second.url())).isEqualTo(200);
        assertThat(status(first.url())).as("the old deployment is gone").isEqualTo(-1);
    }

    @Test
    @Order(4)
    void historyAnswersFromTheRecordedDeploys() {
        HistoryResult now = LocalDeployer.forProject(config, TestContexts.context()).history(Optional.empty(),
                v -> v.equals(trained.modelVersion()) ? trained.metrics() : Map.of());
        assertThat(now.revisions()).extracting(HistoryEntry::revision, HistoryEntry::status, HistoryEntry::image)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "superseded", good.reference()),
                        org.assertj.core.groups.Tuple.tuple(2, "failed", broken),
                        org.assertj.core.groups.Tuple.tuple(3, "deployed", good.reference()));
        assertThat(now.servingAt().revision()).isEqualTo(3);
        assertThat(now.revisions().get(0).metrics()).containsKey("accuracy");
        java.time.Instant betweenFirstAndThird = now.revisions().get(1).updated();
        assertThat(LocalDeployer.forProject(config, TestContexts.context()).history(Optional.of(betweenFirstAndThird), v -> Map.of())
                .servingAt().revision()).isEqualTo(1);
    }

    @Test
    @Order(5)
    void theChartsHelmTestScriptPassesAgainstTheServer() throws Exception {
        String url = containers().isEmpty() ? first.url() : "http://127.0.0.1:" + containers().get(0).getLabels()
                .get("io.cd4ml.deploy.port");
        ProcessBuilder pb = new ProcessBuilder(TestProjects.PYTHON, TestProjects.repository()
                .resolve("resources/helm-chart/files/smoke_test.py").toString()).redirectErrorStream(true);
        pb.environment().put("CD4ML_TEST_URL", url);
        pb.environment().put("CD4ML_TEST_REQUEST", ""); // built from features.yaml, as inside the image
        pb.environment().put("CD4ML_MODEL_DIR", config.directory().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("OK: {\"sepal_length\": 5.1, \"sepal_width\": 3.5, \"petal_length\": 1.4, "
                + "\"petal_width\": 0.2} -> setosa");
    }

    @Test
    @Order(6)
    void aStoppedContainerIsNotTheDeployedModelButStaysInTheHistory() {
        Container serving = containers().get(0);
        String name = serving.getNames()[0].replaceFirst("^/", "");
        docker.stopContainerCmd(serving.getId()).withTimeout(30).exec();
        LocalDeployer deployer = LocalDeployer.forProject(config, TestContexts.context()).withDocker(docker);

        assertThat(deployer.deployedModelVersion()).as("compare_to: deployed:local sees nothing serving").isEmpty();
        HistoryResult now = deployer.history(Optional.empty(), v -> Map.of());
        HistoryEntry last = now.revisions().get(now.revisions().size() - 1);
        assertThat(last.revision()).isEqualTo(3);
        assertThat(last.status()).isEqualTo("stopped");
        assertThat(last.description()).contains("; container " + name + " stopped at ");
        assertThat(now.servingAt()).as("nothing serves now").isNull();
        assertThat(deployer.history(Optional.of(last.updated()), v -> Map.of()).servingAt().revision())
                .as("it served until it was stopped").isEqualTo(3);
        assertThat(deployer.history(Optional.of(java.time.Instant.now()), v -> Map.of()).servingAt()).isNull();
    }

    @Test
    @Order(7)
    void aFailedDeployDoesNotClaimAStoppedContainerKeepsServing() {
        String stopped = containers().get(0).getNames()[0].replaceFirst("^/", "");

        DeployResult r = deployer(broken, new CopyOnWriteArrayList<>()).deploy();

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.error()).endsWith("; nothing was serving before (stopped, left as they were: " + stopped + ")");
        assertThat(containers()).extracting(c -> c.getNames()[0]).containsExactly("/" + stopped);
    }

    @Test
    @Order(8)
    void aPassingDeployReplacesAStoppedContainer() {
        List<Event> events = new CopyOnWriteArrayList<>();
        String stopped = containers().get(0).getNames()[0].replaceFirst("^/", "");

        DeployResult r = deployer(good.reference(), events).deploy();

        assertThat(r.status()).as(r.error()).isEqualTo("deployed");
        assertThat(containers()).extracting(c -> c.getNames()[0]).containsExactly("/" + r.release());
        assertThat(events).anyMatch(e -> e instanceof Event.Message m
                && m.text().equals("removing the stopped earlier local deployment " + stopped));
        LocalDeployer deployer = LocalDeployer.forProject(config, TestContexts.context()).withDocker(docker);
        assertThat(deployer.deployedModelVersion()).contains(trained.modelVersion());
        assertThat(deployer.history(Optional.empty(), v -> Map.of()).revisions())
                .extracting(HistoryEntry::revision, HistoryEntry::status).endsWith(
                        org.assertj.core.groups.Tuple.tuple(3, "superseded"),
                        org.assertj.core.groups.Tuple.tuple(4, "failed"),
                        org.assertj.core.groups.Tuple.tuple(5, "deployed"));
    }

    @Test
    @Order(9)
    void withoutDockerSmokeTestsTheBundledServerAsAProcess() {
        List<Event> events = new CopyOnWriteArrayList<>();
        DeployResult r = LocalDeployer.forProject(config, TestContexts.context(events::add)).withDocker(null)
                .withModel(Optional.of(trained.modelUri())).withReadyTimeout(Duration.ofSeconds(90)).deploy();

        assertThat(r.status()).as(r.error()).isEqualTo("smoke-tested");
        assertThat(r.succeeded()).isTrue();
        assertThat(r.url()).isEmpty();
        assertThat(events).anyMatch(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING
                && m.text().startsWith("no Docker daemon answers"));
    }
}
