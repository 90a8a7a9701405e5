package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cd4ml command line: exit codes, human and JSON output, error messages. */
class CliTest {

    /** The outcome of one invocation. */
    record Outcome(int exitCode, String out, String err) {
        JsonNode json() throws Exception {
            return Json.mapper().readTree(out);
        }
    }

    static Outcome cd4ml(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    @Nested
    class Usage {

        @Test
        void withoutACommandPrintsUsageAndExitsTwo() {
            Outcome o = cd4ml();
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("Usage: cd4ml", "validate", "train", "run");
        }

        @Test
        void anUnknownOptionNamesItAndPointsAtHelp() {
            Outcome o = cd4ml("train", "--bogus");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("Unknown option: '--bogus'", "Run 'cd4ml train --help' for usage.");
        }

        @Test
        void anUnknownBackendListsTheAllowedOnes() {
            Outcome o = cd4ml("train", "--backend", "azure");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("'azure' is not a backend; expected one of local, docker, kubernetes, "
                    + "sagemaker");
        }

        @Test
        void aTrainingImageThatCannotBePulledIsExplainedNotACrash(@TempDir Path tmp) {
            TestProjects.project(tmp, "print(1)\n", "image: 127.0.0.1:1/cd4ml-test/missing:1");
            Outcome o = cd4ml("train", tmp.toString(), "--backend", "docker");
            assertThat(o.exitCode()).isEqualTo(1);
            assertThat(o.err()).contains("image 127.0.0.1:1/cd4ml-test/missing:1 is not on this Docker host and "
                    + "could not be pulled", "what to do: build or load it").doesNotContain("\tat ");
        }
    }

    @Nested
    class Validate {

        @Test
        void acceptsTheExample() {
            Outcome o = cd4ml("validate", TestProjects.repository().resolve("examples/iris").toString());
            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).startsWith("config.yaml is valid: project iris-classifier, local training");
        }

        @Test
        void printsOneJsonDocument() throws Exception {
            Outcome o = cd4ml("validate", "--json", TestProjects.repository().resolve("examples/iris").toString());
            assertThat(o.exitCode()).isZero();
            JsonNode json = o.json();
            assertThat(json.get("status").asText()).isEqualTo("valid");
            assertThat(json.get("project").asText()).isEqualTo("iris-classifier");
            assertThat(json.get("features").size()).isEqualTo(4);
        }

        @Test
        void reportsEveryProblemWithPositionAndExitsTwo(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, "print(1)\n", "timeout: 1 hour\nbackend: lokal");
            Outcome o = cd4ml("validate", tmp.toString(), "--json");
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("2 problems in the configuration",
                    "config.yaml:11:12: train.timeout: '1 hour' is not a duration",
                    "config.yaml:12:12: train.backend: 'lokal' is not allowed; expected one of local, docker, "
                            + "kubernetes, sagemaker (did you mean 'local'?)")
                    .doesNotContain("\tat ", "Exception");
            JsonNode problems = o.json().get("error").get("problems");
            assertThat(problems.size()).isEqualTo(2);
            assertThat(problems.get(0).get("line").asInt()).isEqualTo(11);
            assertThat(problems.get(0).get("column").asInt()).isEqualTo(12);
            assertThat(problems.get(0).get("setting").asText()).isEqualTo("train.timeout");
        }

        @Test
        void showsAStackTraceOnlyWhenAsked(@TempDir Path tmp) {
            TestProjects.project(tmp, "print(1)\n", "timeout: soon");
            assertThat(cd4ml("validate", tmp.toString()).err()).doesNotContain("\tat ");
            assertThat(cd4ml("validate", tmp.toString(), "--stacktrace").err()).contains("\tat ");
        }
    }

    @Nested
    class Train {

        @Test
        void printsTheResultAsJsonAndProgressOnStderr(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, """
                    import os
                    open(os.path.join(os.environ["SM_MODEL_DIR"], "m.txt"), "w").write("m")
                    print("accuracy=0.91")
                    """, "");
            Outcome o = cd4ml("train", tmp.toString(), "--json", "-p", "depth=9");
            assertThat(o.exitCode()).as(o.err()).isZero();
            JsonNode json = o.json();
            assertThat(json.get("model_version").asText()).matches("[0-9a-f]{12}");
            assertThat(json.get("metrics").get("accuracy").asDouble()).isEqualTo(0.91);
            assertThat(json.get("manifest").get("hyperparameters").get("depth").asText()).isEqualTo("9");
            assertThat(json.get("backend").asText()).isEqualTo("local");
            assertThat(o.err()).contains("  | accuracy=0.91");
        }

        @Test
        void aFailedScriptExitsOneWithItsFailureText(@TempDir Path tmp) {
            TestProjects.project(tmp, TestProjects.trainPyWritingFailure("bad data in row 7", 1), "");
            Outcome o = cd4ml("train", tmp.toString());
            assertThat(o.exitCode()).isEqualTo(1);
            assertThat(o.err()).contains("error: training failed with exit code 1: bad data in row 7")
                    .doesNotContain("\tat ");
        }
    }

    @Nested
    class Run {

        @Test
        void tunesTheExampleGatesItAndBuildsItsImage(@TempDir Path tmp) {
            TestEnvironment.requireDockerAndBaseImage();
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            String repository = "cd4ml-test/cli-run";
            Outcome o = cd4ml("run", project.toString(), "--no-deploy", "--build-image", "--builder", "docker", "--base-image",
                    TestEnvironment.baseImage(), "--repository", repository, "--tag", "{model_version}");
            try {
                assertThat(o.exitCode()).as(o.err()).isZero();
                assertThat(o.out()).contains("Summary of iris-classifier: succeeded")
                        .containsPattern("tune +succeeded +best of 8 trials")
                        .containsPattern("gate +succeeded")
                        .containsPattern("image +succeeded +" + repository + ":[0-9a-f]{12} \\(not pushed; image id "
                                + "sha256:[0-9a-f]{12}\\) with docker")
                        .containsPattern("model version +[0-9a-f]{12}")
                        .containsPattern("image +" + repository + ":[0-9a-f]{12}");
            } finally {
                ImageCliTest.removeImagesOf(repository);
            }
        }

        @Test
        void withNoDeployTrainsAndSkipsTheImageStageSoNoDockerIsNeeded(@TempDir Path tmp) {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            Outcome o = cd4ml("run", project.toString(), "--no-deploy");
            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).contains("Summary of iris-classifier: succeeded")
                    .containsPattern("train +skipped +the tune section trains instead")
                    .containsPattern("tune +succeeded +best of 8 trials: trial [0-9]+, accuracy=0\\.9")
                    .containsPattern("gate +succeeded +model [0-9a-f]{12} passed")
                    .containsPattern("promote +succeeded +model [0-9a-f]{12} is now the LATEST model")
                    .containsPattern("image +skipped +not requested \\(build it with --build-image or --push, or "
                            + "later with cd4ml build-image\\)")
                    .containsPattern("deploy +skipped +not requested \\(deploy with --deploy, or later with cd4ml "
                            + "deploy\\)");
            assertThat(project.resolve(".cd4ml/models/iris-classifier/LATEST")).as("promoted").exists();
        }

        @Test
        void aModelFailingTheGateFailsTheRunAndPushesNothing(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, """
                    import os
                    open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w").write("w=1")
                    print("accuracy=0.5")
                    """, "");
            String repository = TestEnvironment.registry() + "/cd4ml-test/cli-gated-"
                    + Long.toHexString(System.nanoTime());
            Files.writeString(tmp.resolve("config.yaml"), Files.readString(tmp.resolve("config.yaml"))
                    + "quality_gate:\n  metrics: {accuracy: {min: 0.9}}\nserve:\n  image: {repository: " + repository
                    + ", tag: '{model_version}'}\n");
            Outcome o = cd4ml("run", tmp.toString(), "--json", "--push");
            assertThat(o.exitCode()).as(o.err()).isEqualTo(1);
            JsonNode json = o.json();
            assertThat(json.get("status").asText()).isEqualTo("failed");
            assertThat(json.get("stages").get(3).get("name").asText()).isEqualTo("gate");
            assertThat(json.get("stages").get(3).get("status").asText()).isEqualTo("failed");
            assertThat(json.get("stages").get(4).get("status").asText()).isEqualTo("not_run");
            assertThat(json.get("stages").get(5).get("status").asText()).isEqualTo("not_run");
            assertThat(json.get("error").asText()).contains("accuracy");
            assertThat(json.has("image")).isFalse();
            HttpResponse<String> tags = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                    + repository.replaceFirst("/", "/v2/") + "/tags/list")).header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString((TestEnvironment.registryUser() + ":"
                    + TestEnvironment.registryPassword()).getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tags.statusCode()).as("the registry has no such repository: " + tags.body()).isEqualTo(404);
        }

        @Test
        void aFailedTrainingFailsTheJobAndListsTheStagesNotRun(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, "import sys\nsys.exit(4)\n", "");
            Outcome o = cd4ml("run", tmp.toString(), "--json");
            assertThat(o.exitCode()).isEqualTo(1);
            JsonNode json = o.json();
            assertThat(json.get("status").asText()).isEqualTo("failed");
            assertThat(json.get("stages").get(1).get("status").asText()).isEqualTo("failed");
            assertThat(json.get("stages").get(2).get("status").asText()).isEqualTo("not_run");
            assertThat(json.get("error").asText()).contains("exit code 4");
        }
    }
}
