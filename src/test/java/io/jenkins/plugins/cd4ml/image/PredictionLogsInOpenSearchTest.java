package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.efk.AddonFluentd;
import io.jenkins.plugins.cd4ml.efk.EfkArtifactsTest;
import io.jenkins.plugins.cd4ml.efk.KibanaObjects;
import io.jenkins.plugins.cd4ml.image.docker.DockerServingImageBuilder;
import io.jenkins.plugins.cd4ml.testing.OpenSearchServer;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real prediction records, from two real serving containers (two model versions: predictions, a
 * batch, a 422), shipped as the MicroK8s fluentd addon ships container lines ({@link AddonFluentd})
 * into a real OpenSearch with resources/efk/index-template.json applied; then the Kibana objects'
 * own queries, verbatim, must find exactly the records the clients caused.
 */
class PredictionLogsInOpenSearchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SETOSA = "{\"sepal_length\": 5.1, \"sepal_width\": 3.5, \"petal_length\": 1.4, "
            + "\"petal_width\": 0.2}";
    private static final String VIRGINICA = "{\"sepal_length\": 6.7, \"sepal_width\": 3.0, \"petal_length\": 5.2, "
            + "\"petal_width\": 2.3}";
    private static final String VERSICOLOR = "{\"sepal_length\": 5.9, \"sepal_width\": 2.8, \"petal_length\": 4.3, "
            + "\"petal_width\": 1.3}";
    private static final List<String> BUILT = new CopyOnWriteArrayList<>();

    /** What the clients sent and were answered, per model version. */
    private static final Map<String, List<JsonNode>> ROWS_SENT = new TreeMap<>();
    private static final Map<String, Integer> CLASSES_ANSWERED = new TreeMap<>();
    private static final Map<String, Integer> STATUSES = new TreeMap<>();
    private static final Map<String, Integer> RECORDS_PER_VERSION = new TreeMap<>();
    private static final List<AddonFluentd.Document> DOCUMENTS = new ArrayList<>();
    private static String metricsScrape;
    private static OpenSearchServer search;
    private static int predictionRecords;

    @BeforeAll
    static void serveTwoVersionsAndShipTheirLines() throws Exception {
        TestEnvironment.requireDockerAndBaseImage();
        TrainedModels models = TrainedModels.get();
        DockerClient docker = DockerClients.create(System.getenv());
        serve(models, docker, models.first(), models.firstVersion(), List.of(
                List.of(SETOSA), List.of(SETOSA, VIRGINICA, VERSICOLOR)), true);
        serve(models, docker, models.second(), models.secondVersion(), List.of(
                List.of(VIRGINICA), List.of(VERSICOLOR, SETOSA)), false);

        search = OpenSearchServer.start();
        search.call("PUT", "/_index_template/cd4ml-predictions", Files.readString(KibanaObjects.TEMPLATE));
        JsonNode bulk = search.call("POST", "/_bulk?refresh=true", AddonFluentd.bulk(DOCUMENTS),
                "application/x-ndjson");
        assertThat(bulk.get("errors").asBoolean()).as(bulk.toString()).isFalse();
    }

    private static void serve(TrainedModels models, DockerClient docker, String model, String version,
                              List<List<String>> requests, boolean alsoInvalid) throws Exception {
        ImageResult image = ServingImage.forModel(models.config(), model, TestContexts.context())
                .withRepository(TestEnvironment.registry() + "/cd4ml-test/efk-logs")
                .withTag("{model_version}")
                .withBaseImage(TestEnvironment.baseImage())
                .withBuilder(new DockerServingImageBuilder(docker))
                .withCredentials(RegistryCredentials.NONE)
                .build();
        BUILT.add(image.reference());
        int expected = 0;
        try (ServedContainer served = new ServedContainer(models.config(), docker, image.reference(),
                TestEnvironment.freePort())) {
            ServingClient client = new ServingClient(served.port);
            client.awaitReady(served.thread());
            for (List<String> rows : requests) {
                String body = rows.size() == 1 ? rows.get(0) : "[" + String.join(", ", rows) + "]";
                ServingClient.Reply reply = client.post("/predict", body);
                assertThat(reply.status()).as(reply.body()).isEqualTo(200);
                JsonNode predictions = reply.json().get("predictions");
                assertThat(predictions).hasSize(rows.size());
                for (int i = 0; i < rows.size(); i++) {
                    CLASSES_ANSWERED.merge(predictions.get(i).asText(), 1, Integer::sum);
                    ROWS_SENT.computeIfAbsent(version, v -> new ArrayList<>()).add(JSON.readTree(rows.get(i)));
                    STATUSES.merge("200", 1, Integer::sum);
                }
                expected += rows.size();
            }
            if (alsoInvalid) {
                ServingClient.Reply reply = client.post("/predict", SETOSA.replace("5.1", "99"));
                assertThat(reply.status()).as(reply.body()).isEqualTo(422);
                STATUSES.merge("422", 1, Integer::sum);
                expected++;
            }
            if (metricsScrape == null) {
                metricsScrape = client.get("/metrics").body();
            }
            awaitPredictionLines(served, expected);
            RECORDS_PER_VERSION.put(version, expected);
            predictionRecords += expected;
            AddonFluentd.Pod pod = new AddonFluentd.Pod("ml", "iris-classifier-" + version.substring(0, 8) + "-x7k2p",
                    "iris-classifier", Long.toHexString(Double.doubleToLongBits(Math.random())) + version,
                    image.reference(), List.<String[]>of(new String[] {"app.kubernetes.io/name", "iris-classifier"},
                    new String[] {"app.kubernetes.io/version", version}));
            for (String line : served.lines) {
                boolean json = line.startsWith("{");
                DOCUMENTS.add(AddonFluentd.ship(pod, json ? "stdout" : "stderr", Instant.now(), line));
            }
        }
    }

    private static void awaitPredictionLines(ServedContainer served, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (served.lines.stream().filter(l -> l.contains("\"event\":\"prediction\"")).count() < expected) {
            if (System.nanoTime() > deadline) {
                fail("the server printed fewer than " + expected + " prediction lines: " + served.lines);
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            if (search != null) {
                search.close();
            }
        } finally {
            ImageContents.remove(BUILT);
        }
    }

    private static JsonNode query(String lucene, int size) {
        ObjectNode body = JSON.createObjectNode();
        body.put("size", size).put("track_total_hits", true);
        body.putObject("query").putObject("query_string").put("query", lucene);
        return search.call("POST", "/logstash-*/_search", body.toString());
    }

    @Test
    void recordsLandInTheAddonsDailyIndexWithTheTemplatesTypes() {
        JsonNode mappings = search.call("GET", "/logstash-*/_mapping", null);
        assertThat(mappings.size()).isGreaterThanOrEqualTo(1);
        mappings.fieldNames().forEachRemaining(index -> assertThat(index).matches("logstash-\\d{4}\\.\\d{2}\\.\\d{2}"));
        JsonNode properties = mappings.elements().next().get("mappings").get("properties");
        assertThat(properties.get("@timestamp").get("type").asText()).isEqualTo("date");
        for (String keyword : List.of("prediction", "status", "request_id", "event", "id")) {
            assertThat(properties.get(keyword).get("type").asText()).as(keyword).isEqualTo("keyword");
        }
        JsonNode model = properties.get("model").get("properties");
        for (String keyword : List.of("name", "version", "image")) {
            assertThat(model.get(keyword).get("type").asText()).as("model." + keyword).isEqualTo("keyword");
        }
        assertThat(properties.get("latency_ms").get("type").asText()).isEqualTo("double");
        JsonNode features = properties.get("features").get("properties");
        for (String feature : List.of("sepal_length", "sepal_width", "petal_length", "petal_width")) {
            assertThat(features.get(feature).get("type").asText()).as(feature).isEqualTo("double");
        }
        JsonNode probabilities = properties.get("probabilities").get("properties");
        for (String name : List.of("setosa", "versicolor", "virginica")) {
            assertThat(probabilities.get(name).get("type").asText()).as(name).isEqualTo("double");
        }
        // the addon's own fields sit beside the record's, under dynamic mapping
        assertThat(properties.get("kubernetes").get("properties").get("pod_name").get("type").asText()).isEqualTo("text");
    }

    @Test
    void theSavedSearchQueryVerbatimFindsEveryPredictionRecordAndNoOtherLine() {
        String saved = KibanaObjects.load().savedSearchQuery();
        JsonNode all = query("*", 1000);
        assertThat(all.get("hits").get("total").get("value").asLong()).as("the containers' other lines are indexed too")
                .isGreaterThan(predictionRecords);

        JsonNode hits = query(saved, 1000).get("hits");
        assertThat(hits.get("total").get("value").asInt()).isEqualTo(predictionRecords);
        int failed = 0;
        for (JsonNode hit : hits.get("hits")) {
            JsonNode source = hit.get("_source");
            assertThat(source.get("event").asText()).isEqualTo("prediction");
            assertThat(source.get("model").get("name").asText()).isEqualTo("iris-classifier");
            if (source.get("status").asInt() == 422) {
                failed++;
                assertThat(source.get("error").asText()).contains("sepal_length");
                assertThat(source.get("features").isNull()).isTrue();
            } else {
                assertThat(source.get("latency_ms").isNumber()).isTrue();
                assertThat(source.get("probabilities").get("setosa").isNumber()).isTrue();
                assertThat(source.get("features").get("petal_width").isNumber()).isTrue();
            }
        }
        assertThat(failed).isEqualTo(STATUSES.get("422"));

        for (Map.Entry<String, Integer> version : RECORDS_PER_VERSION.entrySet()) {
            String narrowed = saved + " AND model.version:\"" + version.getKey() + "\"";
            assertThat(query(narrowed, 0).get("hits").get("total").get("value").asInt()).as(narrowed)
                    .isEqualTo(version.getValue());
        }
    }

    @Test
    void everyDashboardPanelsAggregationCountsWhatTheClientsCaused() {
        KibanaObjects objects = KibanaObjects.load();
        List<JsonNode> panels = objects.dashboardPanels();
        for (JsonNode vis : panels.subList(1, panels.size())) {
            String id = vis.get("id").asText();
            JsonNode answer = search.call("POST", "/logstash-*/_search", objects.request(vis).toString());
            List<KibanaObjects.Row> rows = KibanaObjects.rows(vis, answer);
            assertThat(rows).as(id).isNotEmpty();
            switch (id) {
                case "cd4ml-predictions-over-time" -> assertThat(sumBy(rows, 1)).isEqualTo(CLASSES_ANSWERED);
                case "cd4ml-error-rate-by-status" -> assertThat(sumBy(rows, 1)).isEqualTo(STATUSES);
                case "cd4ml-latency-percentiles" -> checkLatency(rows);
                default -> {
                    assertThat(id).startsWith("cd4ml-feature-");
                    checkFeature(vis, id.substring("cd4ml-feature-".length()), rows);
                }
            }
        }
    }

    private static Map<String, Integer> sumBy(List<KibanaObjects.Row> rows, int key) {
        Map<String, Integer> sums = new TreeMap<>();
        rows.forEach(r -> sums.merge(r.keys().get(key), (int) r.count(), Integer::sum));
        return sums;
    }

    private static void checkLatency(List<KibanaObjects.Row> rows) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (AddonFluentd.Document d : DOCUMENTS) {
            if (d.source().has("latency_ms")) {
                min = Math.min(min, d.source().get("latency_ms").asDouble());
                max = Math.max(max, d.source().get("latency_ms").asDouble());
            }
        }
        long counted = 0;
        for (KibanaObjects.Row row : rows) {
            counted += row.count();
            JsonNode values = row.bucket().get("1").get("values");
            assertThat(values.size()).isEqualTo(3);
            for (JsonNode value : values) {
                assertThat(value.isNumber()).as(values.toString()).isTrue();
                assertThat(value.asDouble()).isBetween(min, max);
            }
        }
        assertThat(counted).isEqualTo(predictionRecords);
    }

    private static void checkFeature(JsonNode vis, String feature, List<KibanaObjects.Row> rows) {
        double interval = 0;
        for (JsonNode agg : KibanaObjects.visState(vis).get("aggs")) {
            if (agg.get("type").asText().equals("histogram")) {
                interval = agg.get("params").get("interval").asDouble();
            }
        }
        Map<String, Integer> expected = new TreeMap<>();
        for (Map.Entry<String, List<JsonNode>> sent : ROWS_SENT.entrySet()) {
            for (JsonNode row : sent.getValue()) {
                double bucket = Math.floor(row.get(feature).asDouble() / interval) * interval;
                expected.merge(String.format("%.4f %s", bucket, sent.getKey()), 1, Integer::sum);
            }
        }
        Map<String, Integer> actual = new TreeMap<>();
        for (KibanaObjects.Row row : rows) {
            actual.merge(String.format("%.4f %s", Double.parseDouble(row.keys().get(0)), row.keys().get(1)),
                    (int) row.count(), Integer::sum);
        }
        assertThat(actual).as(feature).isEqualTo(expected);
    }

    @Test
    void theGrafanaDashboardQueriesMetricsTheRealServerExposes() throws Exception {
        JsonNode dashboard = JSON.readTree(KibanaObjects.TEMPLATE.resolveSibling("grafana/cd4ml-serving-dashboard.json")
                .toFile());
        for (String name : EfkArtifactsTest.metricsUsed(dashboard)) {
            assertThat(metricsScrape).as(name).containsPattern("(?m)^" + name + "[{ ]");
        }
        // every record of this run reached its sink: the dropped-records panel reads zero
        assertThat(metricsScrape).contains("cd4ml_log_records_dropped_total{reason=\"queue_full\",sink=\"stdout\"} 0.0")
                .doesNotContainPattern("(?m)^cd4ml_log_records_dropped_total\\{[^}]*sink=\"stdout\"[^}]*\\} [1-9]");
    }
}
