package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cd4ml run} deploys a local target by default: a container on this machine when a Docker
 * daemon answers and has the base image, else a smoke test of the bundled server as a process;
 * a Helm target only when asked. The example without its tune section (one training, not eight).
 */
class RunDeployCliTest {

    private static final Pattern PROCESS_SMOKE_TEST = Pattern.compile(
            "smoke test passed: one prediction from http://127\\.0\\.0\\.1:([0-9]+)/predict; the server was stopped");

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    /** The example, trained once instead of tuned, released under a name of its own (local deploys replace by name). */
    static Path example(Path tmp, String release) throws IOException {
        Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
        Path config = project.resolve("config.yaml");
        String text = Files.readString(config);
        String untuned = text.replaceFirst("(?s)\ntune:.*?\n(?=quality_gate:)", "\n");
        assertThat(untuned).as("the example has a tune section before quality_gate").isNotEqualTo(text);
        Files.writeString(config, untuned.replace("release: iris-classifier", "release: " + release));
        return project;
    }

    static CliTest.Outcome cd4ml(Map<String, String> changes, String... args) {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(changes);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), environment,
                new CancelToken());
        return new CliTest.Outcome(code, out.toString(), err.toString());
    }

    /** The URL the run's summary says the local container of {@code release} serves on. */
    static String servedUrl(String out, String release) {
        Matcher served = Pattern.compile("deploy +succeeded +cd4ml-" + release
                + "-[0-9a-f]{4} serves (http://127\\.0\\.0\\.1:[0-9]+/) \\(smoke test passed\\)").matcher(out);
        assertThat(served.find()).as(out).isTrue();
        return served.group(1);
    }

    /** One {@code POST /predict} with a JSON body to a server at {@code url}. */
    static HttpResponse<String> predict(String url, String json) throws IOException, InterruptedException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
                URI.create(url + "predict")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Nested
    class WithoutAContainer {

        @Test
        void withoutADockerDaemonSmokeTestsTheModelAsAProcessStopsItAndSucceeds(@TempDir Path tmp) throws Exception {
            Path project = example(tmp, "cli-nodocker");
            String host = "tcp://127.0.0.1:" + TestEnvironment.freePort(); // nothing listens there

            CliTest.Outcome o = cd4ml(Map.of("DOCKER_HOST", host), "run", project.toString());

            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).contains("Summary of iris-classifier: succeeded")
                    .containsPattern("train +succeeded")
                    .containsPattern("gate +succeeded")
                    .contains("image     skipped        no Docker daemon answers at " + host + ": the local deploy "
                            + "smoke-tests the model as a process instead")
                    .containsPattern("deploy +succeeded +model [0-9a-f]{12} smoke-tested with the bundled server as a "
                            + "process, then stopped \\(no container: no Docker daemon answers at " + host + "\\)");
            assertThat(o.out()).contains("warning: no Docker daemon answers at " + host + ": smoke-testing the bundled "
                    + "model server as a process instead");
            assertStopped(o.out());
        }

        @Test
        void withABaseImageTheDaemonCannotGetSmokeTestsTheModelAsAProcess(@TempDir Path tmp) throws Exception {
            TestEnvironment.requireDockerAndBaseImage();
            Path project = example(tmp, "cli-nobase");
            String base = "127.0.0.1:" + TestEnvironment.freePort() + "/cd4ml-test/no-such-base:1";

            CliTest.Outcome o = cd4ml(Map.of("CD4ML_BASE_IMAGE", base), "run", project.toString());

            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).contains("image     skipped        the base image " + base + " is not on the Docker "
                    + "daemon and cannot be pulled: the local deploy smoke-tests the model as a process instead")
                    .containsPattern("deploy +succeeded +model [0-9a-f]{12} smoke-tested with the bundled server");
            assertThat(o.out()).contains("pulling the base image " + base, "pulling " + base + " failed: ");
            assertStopped(o.out());
        }

        private void assertStopped(String out) {
            Matcher m = PROCESS_SMOKE_TEST.matcher(out);
            assertThat(m.find()).as(out).isTrue();
            int port = Integer.parseInt(m.group(1));
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                throw new AssertionError("the smoke-tested server still listens on " + port);
            } catch (ConnectException e) {
                // stopped, as the run said
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * A regression model (no classes, no probabilities), as a team writes one: a linear model on a
     * CSV with a header, the SageMaker contract, a gate on r2, a local deploy.
     */
    static Path regressionProject(Path tmp, String release) throws IOException {
        Path project = Files.createDirectories(tmp.resolve("houses"));
        Path data = Files.createDirectories(project.resolve("data"));
        StringBuilder csv = new StringBuilder("rooms,area,price\n");
        for (int i = 0; i < 200; i++) {
            int rooms = 1 + i % 6;
            double area = 30 + (i * 7) % 170;
            csv.append(rooms).append(',').append(area).append(',')
                    .append(20 * rooms + 3 * area + (i % 5) - 2).append('\n');
        }
        Files.writeString(data.resolve("houses.csv"), csv);
        Files.writeString(project.resolve("train.py"), """
                import csv, glob, json, os
                import joblib
                from sklearn.linear_model import LinearRegression
                from sklearn.metrics import r2_score
                rows = []
                for path in glob.glob(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "*.csv")):
                    with open(path) as f:
                        rows += list(csv.DictReader(f))
                X = [[float(r["rooms"]), float(r["area"])] for r in rows]
                y = [float(r["price"]) for r in rows]
                model = LinearRegression().fit(X, y)
                print("r2=%.4f" % r2_score(y, model.predict(X)), flush=True)
                joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
                """);
        Files.writeString(project.resolve("features.yaml"), """
                features:
                  - {name: rooms, type: int, min: 1, max: 20, example: 3}
                  - {name: area, type: float, min: 5, max: 1000, example: 80.5}
                """);
        Files.writeString(project.resolve("config.yaml"), """
                version: 1
                project: {name: houses}
                model: {features: features.yaml, target: price}
                train:
                  backend: local
                  entrypoint: train.py
                  channels: {train: data/houses.csv}
                  metrics: [{name: r2, regex: 'r2=([0-9.]+)'}]
                quality_gate:
                  metrics: {r2: {min: 0.95}}
                serve:
                  image: {repository: localhost:5000/houses, base: "${CD4ML_BASE_IMAGE:-python:3.11-slim}"}
                deploy:
                  target: local
                  release: %s
                """.formatted(release));
        return project;
    }

    @Nested
    class ARegressionModel {

        @Test
        void runsThroughToTheLocalDeployWithoutAContainer(@TempDir Path tmp) throws Exception {
            Path project = regressionProject(tmp, "houses-" + Long.toHexString(System.nanoTime()));

            CliTest.Outcome o = cd4ml(Map.of("DOCKER_HOST", "tcp://127.0.0.1:" + TestEnvironment.freePort()),
                    "run", project.toString());

            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).containsPattern("gate +succeeded +model [0-9a-f]{12} passed 1 check")
                    .containsPattern("promote +succeeded")
                    .containsPattern("deploy +succeeded +model [0-9a-f]{12} smoke-tested with the bundled server "
                            + "as a process, then stopped");
            assertThat(PROCESS_SMOKE_TEST.matcher(o.out()).find()).as(o.out()).isTrue();
        }

        @Test
        void runsThroughToALocalContainerThatPredictsANumber(@TempDir Path tmp) throws Exception {
            TestEnvironment.requireDockerAndBaseImage();
            try (LocalRelease release = LocalRelease.named("houses")) {
                CliTest.Outcome o = release.run(regressionProject(tmp, release.name()));

                assertThat(o.exitCode()).as(o.err()).isZero();
                HttpResponse<String> prediction = predict(servedUrl(o.out(), release.name()),
                        "{\"rooms\": 4, \"area\": 100}");
                assertThat(prediction.statusCode()).as(prediction.body()).isEqualTo(200);
                // 20 * 4 + 3 * 100 = 380, within the noise the data has
                double price = Json.mapper().readTree(prediction.body()).get("predictions").get(0).asDouble();
                assertThat(price).isBetween(377.0, 383.0);
            }
        }
    }

    @Nested
    class InAContainer {

        @Test
        void withDockerAndTheBaseImageDeploysAContainerThatAnswers(@TempDir Path tmp) throws Exception {
            TestEnvironment.requireDockerAndBaseImage();
            try (LocalRelease release = LocalRelease.named("cli-run")) {
                CliTest.Outcome o = release.run(example(tmp, release.name()));

                assertThat(o.exitCode()).as(o.err()).isZero();
                // outside Git the tag template {git_short_sha} cannot be filled: a local-only image is tagged by model
                assertThat(o.out()).contains("building the serving image of model", "for the local deploy",
                        "tagging the local image by model version");
                assertThat(o.out()).containsPattern("image +succeeded +" + release.repository()
                        + ":[0-9a-f]{12} \\(not pushed; image id sha256:[0-9a-f]{12}\\) with docker");
                HttpResponse<String> prediction = predict(servedUrl(o.out(), release.name()), "{\"sepal_length\": 6.7, "
                        + "\"sepal_width\": 3.0, \"petal_length\": 5.2, \"petal_width\": 2.3}");
                assertThat(prediction.statusCode()).as(prediction.body()).isEqualTo(200);
                assertThat(prediction.body()).contains("virginica");
            }
        }
    }

    /**
     * A release name of its own (local deploys replace by name) and the image repository its run
     * builds into; closing removes the release's containers and the repository's images.
     */
    record LocalRelease(String name, String repository) implements AutoCloseable {

        static LocalRelease named(String prefix) {
            String name = prefix + "-" + Long.toHexString(System.nanoTime());
            return new LocalRelease(name, "cd4ml-test/" + name);
        }

        /** {@code cd4ml run} of {@code project} on the test base image, building into {@link #repository}. */
        CliTest.Outcome run(Path project) {
            return cd4ml(Map.of("CD4ML_BASE_IMAGE", TestEnvironment.baseImage()), "run", project.toString(),
                    "--repository", repository);
        }

        @Override
        public void close() throws Exception {
            Process list = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=io.cd4ml.deploy.release="
                    + name).start();
            String ids = new String(list.getInputStream().readAllBytes()).strip();
            list.waitFor(30, TimeUnit.SECONDS);
            for (String id : ids.split("\\s+")) {
                if (!id.isBlank()) {
                    new ProcessBuilder("docker", "rm", "-f", id).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
                }
            }
            ImageCliTest.removeImagesOf(repository);
        }
    }

    @Nested
    class WhenToDeploy {

        @Test
        void noDeployBuildsNoImageAndDeploysNothing(@TempDir Path tmp) throws Exception {
            Path project = example(tmp, "cli-nodeploy");
            CliTest.Outcome o = cd4ml(Map.of(), "run", project.toString(), "--no-deploy");
            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).containsPattern("image +skipped +not requested \\(build it with --build-image or "
                    + "--push, or later with cd4ml build-image\\)")
                    .containsPattern("deploy +skipped +not requested \\(deploy with --deploy, or later with cd4ml "
                            + "deploy\\)");
        }

        @Test
        void theJenkinsSpellingOfNoDeployIsTheNegatedFlag() {
            assertThat(EmbeddedCli.arguments("run", "run", Path.of("proj"), null, Map.of("deploy", false)))
                    .containsSubsequence("run", "--json", "--no-deploy");
            assertThat(EmbeddedCli.arguments("run", "run", Path.of("proj"), null, Map.of("deploy", true)))
                    .contains("--deploy").doesNotContain("--no-deploy");
        }

        @Test
        void aHelmTargetIsDeployedOnlyWhenAskedAndNeedsPushBeforeTraining(@TempDir Path tmp) throws Exception {
            Path project = example(tmp, "cli-helm");
            CliTest.Outcome staging = cd4ml(Map.of(), "run", project.toString(), "-e", "staging");
            assertThat(staging.exitCode()).as(staging.err()).isEqualTo(2);
            assertThat(staging.err()).contains("Helm deploy needs the serving image pushed", "--push");
            CliTest.Outcome both = cd4ml(Map.of(), "run", project.toString(), "-e", "staging", "--no-deploy");
            assertThat(both.exitCode()).isEqualTo(2);
            assertThat(both.err()).contains("--environment chooses where the run deploys, but --no-deploy says not to "
                    + "deploy");
            CliTest.Outcome unknown = cd4ml(Map.of(), "run", project.toString(), "-e", "nowhere");
            assertThat(unknown.exitCode()).isEqualTo(2);
            assertThat(unknown.err()).contains("environment 'nowhere' is not in config.yaml");
            assertThat(project.resolve(".cd4ml/runs")).as("nothing was trained").doesNotExist();

            TestProjects.replaceIn(project.resolve("config.yaml"), "target: local ", "target: helm ");
            CliTest.Outcome helmDefault = cd4ml(Map.of(), "run", project.toString());
            assertThat(helmDefault.exitCode()).as(helmDefault.err()).isZero();
            assertThat(helmDefault.out()).containsPattern("image +skipped +not requested")
                    .containsPattern("deploy +skipped +not requested \\(deploy with --deploy and --push \\(deploy\\.target "
                            + "is helm\\), or later with cd4ml deploy\\)");
        }
    }
}
