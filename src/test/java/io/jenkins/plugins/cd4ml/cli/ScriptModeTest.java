package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SageMaker script mode on every backend: a script of the shape of AWS's scikit_learn_iris example
 * ({@code src/test/resources/script-mode}: argparse hyperparameters, a headerless CSV with the
 * label first, {@code model_fn}) trains unchanged on the local and docker backends, checking
 * itself that its arguments and {@code SM_*} variables are what the SageMaker training toolkit
 * would give it, and then serves unchanged through its {@code model_fn}.
 */
class ScriptModeTest {

    private static final String ROW = "{\"sepal length (cm)\": 6.9, \"sepal width (cm)\": 3.1, "
            + "\"petal length (cm)\": 5.8, \"petal width (cm)\": 2.2}";

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    private static Path project(Path tmp) {
        return TestProjects.copyOf("src/test/resources/script-mode", tmp.resolve("script-mode"));
    }

    private static void assertTrained(CliTest.Outcome trained, String backend) throws Exception {
        assertThat(trained.exitCode()).as("cd4ml train on %s:%n%s", backend, trained.err()).isZero();
        assertThat(trained.err()).contains("script mode: arguments and SM_* variables as the SageMaker training "
                + "toolkit sets them");
        JsonNode result = trained.json();
        assertThat(result.at("/metrics/accuracy").asDouble()).isGreaterThan(0.9);
        assertThat(result.at("/backend").asText()).isEqualTo(backend);
    }

    @Test
    void trainsOnTheLocalBackendAndServesThroughModelFn(@TempDir Path tmp) throws Exception {
        Path project = project(tmp);

        assertTrained(CliTest.cd4ml("train", project.toString(), "--json"), "local");

        assertServesThroughModelFn(project);
    }

    @Test
    void trainsOnTheDockerBackendAndServesThroughModelFn(@TempDir Path tmp) throws Exception {
        TestEnvironment.requireDockerAndBaseImage();
        Path project = project(tmp);

        assertTrained(CliTest.cd4ml("train", project.toString(), "--json", "--backend", "docker", "--image",
                TestEnvironment.baseImage()), "docker");

        assertServesThroughModelFn(project);
    }

    private static void assertServesThroughModelFn(Path project) throws Exception {
        int port = TestEnvironment.freePort();
        AtomicReference<CliTest.Outcome> outcome = new AtomicReference<>();
        Thread serve = new Thread(() -> outcome.set(CliTest.cd4ml("serve", project.toString(), "--no-container",
                "--port", String.valueOf(port))));
        serve.start();
        HttpResponse<String> predicted = null;
        HttpResponse<String> metadata = null;
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (System.nanoTime() < deadline && serve.isAlive()) {
                try {
                    predicted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(ROW)).build(), HttpResponse.BodyHandlers.ofString());
                    if (predicted.statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            metadata = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v2/models/sklearn-iris-script-mode")).build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            serve.interrupt();
            serve.join(60_000);
        }
        assertThat(predicted).as("no answer from the server; %s", outcome.get()).isNotNull();
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(predicted.body()).at("/predictions/0").asText()).isEqualTo("virginica");
        assertThat(Json.mapper().readTree(metadata.body()).at("/platform").asText())
                .isEqualTo("model_fn:inference.py");
        assertThat(outcome.get().out() + outcome.get().err())
                .contains("serving with the SageMaker handlers (model_fn) of train.py");
    }
}
