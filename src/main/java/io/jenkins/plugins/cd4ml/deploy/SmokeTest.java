package io.jenkins.plugins.cd4ml.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.Features;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Waits for a model server's {@code /ready} and sends it one prediction built from
 * {@code features.yaml} ({@link SmokeRequest}): what a deploy must pass before it replaces anything.
 */
final class SmokeTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;

    SmokeTest(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /**
     * Polls {@code /ready} until 200, {@code alive} turns false or {@code timeout} passes.
     *
     * @return empty when ready, else why not
     */
    Optional<String> awaitReady(Duration timeout, BooleanSupplier alive) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!alive.getAsBoolean()) {
                return Optional.of("the server exited before it was ready");
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return Optional.empty();
                }
                last = "/ready answered " + r.statusCode();
            } catch (IOException e) {
                last = "no answer on " + base;
            }
            Thread.sleep(250);
        }
        return Optional.of("not ready within " + timeout.toSeconds() + " s (" + last + ")");
    }

    /**
     * Posts the smoke row to {@code /predict}.
     *
     * @return empty when it answered 200 with one prediction, else what went wrong
     */
    Optional<String> predictOnce(Features features) throws InterruptedException {
        String row = SmokeRequest.json(features);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/predict"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(row)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Optional.of("POST /predict " + row + " answered " + r.statusCode() + ": " + shorten(r.body()));
            }
            JsonNode predictions = Json.mapper().readTree(r.body()).get("predictions");
            if (predictions == null || !predictions.isArray() || predictions.size() != 1) {
                return Optional.of("POST /predict " + row + " answered without one prediction: " + shorten(r.body()));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("POST /predict " + row + " failed: " + e.getMessage());
        }
    }

    private static String shorten(String body) {
        return body.length() > 500 ? body.substring(0, 500) + "…" : body;
    }
}
