package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** HTTP calls to a model server on this machine, and the checks every served image must pass. */
final class ServingClient {

    private static final String ROW = "{\"sepal_length\": 5.1, \"sepal_width\": 3.5, \"petal_length\": 1.4, "
            + "\"petal_width\": 0.2}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final int port;

    ServingClient(int port) {
        this.port = port;
    }

    /** A response's status and body. */
    record Reply(int status, String body) {
        JsonNode json() throws IOException {
            return Json.mapper().readTree(body);
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    Reply post(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    /** Waits until /ready answers 200, or fails after two minutes. */
    void awaitReady(Thread server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("the model server stopped before it was ready");
            }
            try {
                if (get("/ready").status() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("the model server on port " + port + " was not ready within two minutes");
    }

    /** Valid, invalid, batch and Open Inference Protocol requests, docs and metrics. */
    void checkServesIris(String modelName) throws Exception {
        Reply one = post("/predict", ROW);
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().get("predictions").get(0).asText()).isEqualTo("setosa");
        assertThat(one.json().get("probabilities").get(0).has("virginica")).isTrue();

        Reply batch = post("/predict", "[" + ROW + ", {\"sepal_length\": 6.7, \"sepal_width\": 3.0, "
                + "\"petal_length\": 5.2, \"petal_width\": 2.3}, " + ROW + "]");
        assertThat(batch.status()).as(batch.body()).isEqualTo(200);
        assertThat(batch.json().get("predictions")).hasSize(3);
        assertThat(batch.json().get("predictions").get(1).asText()).isEqualTo("virginica");

        Reply wrongType = post("/predict", ROW.replace("5.1", "\"long\""));
        assertThat(wrongType.status()).as(wrongType.body()).isEqualTo(422);
        assertThat(wrongType.body()).contains("sepal_length");
        Reply missing = post("/predict", "{\"sepal_length\": 5.1}");
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.body()).contains("petal_width");
        Reply outOfRange = post("/predict", ROW.replace("5.1", "99"));
        assertThat(outOfRange.status()).isEqualTo(422);
        Reply notJson = post("/predict", "{not json");
        assertThat(notJson.status()).isEqualTo(422);

        Reply oip = post("/v2/models/" + modelName + "/infer", "{\"inputs\": [{\"name\": \"input-0\", "
                + "\"shape\": [2, 4], \"datatype\": \"FP64\", \"data\": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]}]}");
        assertThat(oip.status()).as(oip.body()).isEqualTo(200);
        assertThat(oip.body()).contains("setosa", "virginica");
        Reply oipMetadata = get("/v2/models/" + modelName);
        assertThat(oipMetadata.status()).isEqualTo(200);

        assertThat(get("/health").status()).isEqualTo(200);
        assertThat(get("/ping").status()).isEqualTo(200);
        Reply docs = get("/docs");
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.body()).containsIgnoringCase("swagger");
        assertThat(get("/openapi.json").body()).contains("sepal_length", "petal_width");
        Reply metrics = get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).contains("cd4ml_predictions_total", "cd4ml_http_requests_total");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
