package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cd4ml build-image}, {@code cd4ml serve} and the image stage of {@code cd4ml run}. */
class ImageCliTest {

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    static Path trainedIris(Path tmp) {
        return trainedIris(tmp, "iris-classifier");
    }

    /** The example trained as project {@code name} (its images are found by project name and model version). */
    static Path trainedIris(Path tmp, String name) {
        Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
        if (!name.equals("iris-classifier")) {
            TestProjects.replaceIn(project.resolve("config.yaml"), "name: iris-classifier", "name: " + name);
        }
        CliTest.Outcome trained = CliTest.cd4ml("train", project.toString(), "-q");
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        return project;
    }

    /** Removes every local image of a repository (test clean-up). */
    static void removeImagesOf(String repository) {
        try {
            Process list = new ProcessBuilder("docker", "image", "ls", "-q", "--filter", "reference=" + repository)
                    .start();
            String ids = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            list.waitFor(30, TimeUnit.SECONDS);
            for (String id : ids.split("\\s+")) {
                if (!id.isBlank()) {
                    new ProcessBuilder("docker", "image", "rm", "-f", id).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            // nothing to clean
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Nested
    class BuildImage {

        @Test
        void anArchiveThatIsNotACd4mlModelSaysSo(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            Path text = Files.writeString(tmp.resolve("notes.tar.gz"), "not an archive\n");
            Path foreign = tmp.resolve("foreign.tar.gz");
            Path content = Files.createDirectories(tmp.resolve("foreign"));
            Files.writeString(content.resolve("model.joblib"), "x");
            Process tar = new ProcessBuilder("tar", "-czf", foreign.toString(), "-C", content.toString(), ".")
                    .inheritIO().start();
            assertThat(tar.waitFor()).isZero();

            for (Path archive : new Path[] {text, foreign}) {
                for (String[] args : new String[][] {{"build-image", project.toString(), "--model", archive.toString()},
                        {"serve", project.toString(), "--no-container", "--model", archive.toString()}}) {
                    CliTest.Outcome o = CliTest.cd4ml(args);
                    assertThat(o.exitCode()).as("%s%n%s", String.join(" ", args), o.err()).isEqualTo(2);
                    assertThat(o.err()).contains(archive + " is not a cd4ml model: ",
                                    "give a model.tar.gz that cd4ml train stored")
                            .contains(archive == text ? "not a gzip-compressed tar archive" : "it holds no model.json")
                            .doesNotContain("free space", "CD4ML_PYTHON", "\tat ");
                }
            }
        }

        @Test
        void aMalformedModelLocationIsAUsageErrorWithoutAStackTrace(@TempDir Path tmp) {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            CliTest.Outcome o = CliTest.cd4ml("build-image", project.toString(), "--model", "s3://");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("--model s3:// is not a usable location", "s3://bucket/key")
                    .doesNotContain("\tat ");
        }

        @Test
        void pushesWithThePasswordFromStdinAndPrintsOneJsonDocument(@TempDir Path tmp) throws Exception {
            TestEnvironment.requireDockerAndBaseImage();
            Path project = trainedIris(tmp);
            String promoted = Files.readString(project.resolve(".cd4ml/models/iris-classifier/LATEST")).strip();
            CliTest.Outcome stored = CliTest.cd4ml("train", project.toString(), "-q", "--no-promote", "-p",
                    "n_estimators=7");
            assertThat(stored.exitCode()).as(stored.err()).isZero();
            assertThat(stored.out()).contains("(stored, not promoted)").doesNotContain(promoted);
            String repository = TestEnvironment.registry() + "/cd4ml-test/cli-build";
            InputStream previous = ImageOptions.stdin;
            ImageOptions.stdin = new ByteArrayInputStream((TestEnvironment.registryPassword() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            CliTest.Outcome o;
            try {
                o = CliTest.cd4ml("build-image", project.toString(), "--json", "--builder", "docker", "--base-image",
                        TestEnvironment.baseImage(), "--repository", repository, "--tag", "{model_version}-{date}",
                        "--push", "--registry-username", TestEnvironment.registryUser(), "--registry-password-stdin");
            } finally {
                ImageOptions.stdin = previous;
                removeImagesOf(repository);
            }
            assertThat(o.exitCode()).as(o.err()).isZero();
            JsonNode json = o.json();
            assertThat(json.get("reference").asText()).matches(repository.replace(".", "\\.")
                    + ":[0-9a-f]{12}-20[0-9]{6}");
            assertThat(json.get("digest").asText()).startsWith("sha256:");
            assertThat(json.get("size_bytes").asLong()).isPositive();
            assertThat(json.get("pushed").asBoolean()).isTrue();
            assertThat(json.get("labels").get("io.cd4ml.project").asText()).isEqualTo("iris-classifier");
            assertThat(json.get("model_version").asText()).as("the promoted model, not the newer stored one")
                    .isEqualTo(promoted);
            assertThat(o.err()).contains("  | Successfully built", "as " + TestEnvironment.registryUser()
                    + " (credentials from --registry-username)").doesNotContain(TestEnvironment.registryPassword());
            assertThat(o.out()).doesNotContain(TestEnvironment.registryPassword());
        }

        @Test
        void withoutATrainedModelSaysToTrainFirst(@TempDir Path tmp) {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            CliTest.Outcome o = CliTest.cd4ml("build-image", project.toString(), "--tag", "x");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("no promoted model of iris-classifier", "cd4ml train", "--model")
                    .doesNotContain("\tat ");
        }

        @Test
        void aStoredButNotPromotedModelIsNotWhatItPicks(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            CliTest.Outcome trained = CliTest.cd4ml("train", project.toString(), "--no-promote", "--json");
            assertThat(trained.exitCode()).as(trained.err()).isZero();
            assertThat(trained.json().get("promoted").asBoolean()).isFalse();
            String version = trained.json().get("model_version").asText();
            assertThat(project.resolve(".cd4ml/models/iris-classifier/" + version + "/model.tar.gz")).exists();

            CliTest.Outcome o = CliTest.cd4ml("build-image", project.toString(), "--tag", "x");

            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("no promoted model of iris-classifier");
        }

        @Test
        void aUsernameWithoutPasswordStdinIsAUsageError(@TempDir Path tmp) {
            Path project = trainedIris(tmp);
            CliTest.Outcome o = CliTest.cd4ml("build-image", project.toString(), "--push", "--registry-username", "u");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("--registry-username and --registry-password-stdin go together");
        }

        @Test
        void anUnknownBuilderListsTheAllowedOnes() {
            CliTest.Outcome o = CliTest.cd4ml("build-image", "--builder", "kaniko");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("'kaniko' is not an image builder; expected one of auto, docker, jib");
        }
    }

    @Nested
    class Run {

        @Test
        void aTagThatCannotBeFilledFailsBeforeTraining(@TempDir Path tmp) {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            CliTest.Outcome o = CliTest.cd4ml("run", project.toString(), "--build-image");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("{git_short_sha} needs a Git commit", "--tag '{model_version}'");
            assertThat(Files.exists(project.resolve(".cd4ml/runs"))).as("nothing was trained").isFalse();
        }
    }

    @Nested
    class Serve {

        @Test
        void servesWithoutAContainerUntilInterrupted(@TempDir Path tmp) throws Exception {
            Path project = trainedIris(tmp);
            int port = TestEnvironment.freePort();
            AtomicReference<CliTest.Outcome> outcome = new AtomicReference<>();
            Thread serve = new Thread(() -> outcome.set(CliTest.cd4ml("serve", project.toString(), "--no-container",
                    "--port", String.valueOf(port))));
            serve.start();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpResponse<String> reply = null;
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (System.nanoTime() < deadline && serve.isAlive()) {
                    try {
                        reply = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
                                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"sepal_length\": 6.7, \"sepal_width\": 3.0, \"petal_length\": 5.2, "
                                                + "\"petal_width\": 2.3}")).build(), HttpResponse.BodyHandlers.ofString());
                        if (reply.statusCode() == 200) {
                            break;
                        }
                    } catch (IOException e) {
                        // not listening yet
                    }
                    Thread.sleep(200);
                }
                assertThat(reply).isNotNull();
                assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                assertThat(reply.body()).contains("virginica");
            } finally {
                serve.interrupt();
                serve.join(60_000);
            }
            assertThat(serve.isAlive()).isFalse();
            assertThat(outcome.get().exitCode()).as(outcome.get().err()).isZero();
            // what the server wrote while it drained reaches the output too: its stop line and shutdown
            assertThat(outcome.get().out()).as(outcome.get().err()).contains("started the model server",
                    "\"event\":\"prediction\"", "stop signal: draining", "Finished server process");
            assertThat(outcome.get().err()).contains("stopped the model server process");
        }

        @Test
        void withoutABuiltImageSaysHowToBuildIt(@TempDir Path tmp) {
            TestEnvironment.requireDockerAndBaseImage();
            // a name of its own: the example's model is deterministic, and its image may well be on this daemon
            String name = "iris-never-built-" + Long.toHexString(System.nanoTime());
            Path project = trainedIris(tmp, name);
            CliTest.Outcome o = CliTest.cd4ml("serve", project.toString());
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("has no serving image of " + name, "cd4ml build-image",
                    "--no-container");
        }
    }
}
