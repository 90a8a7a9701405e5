package io.jenkins.plugins.cd4ml.efk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log-contract artefacts of resources/efk hold together: saved objects reference each other
 * correctly, use only fields the index template maps, match their generator, and the Grafana
 * dashboard queries only metrics the server defines. (Whether real records answer their queries is
 * {@code PredictionLogsInOpenSearchTest}.)
 */
public class EfkArtifactsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path IRIS_FEATURES = TestProjects.repository().resolve("examples/iris/features.yaml");
    private static final Path GRAFANA = TestProjects.repository()
            .resolve("resources/efk/grafana/cd4ml-serving-dashboard.json");
    private static final Path METRICS_PY = TestProjects.repository()
            .resolve("resources/dockerfiles/serving/app/cd4ml_serving/metrics.py");

    private final KibanaObjects objects = KibanaObjects.load();

    private static String[] generate(Path features, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(TestProjects.PYTHON, KibanaObjects.GENERATOR.toString(),
                "--features", features.toString()));
        command.addAll(List.of(extra));
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {String.valueOf(p.exitValue()), out, err};
    }

    @Nested
    class SavedObjects {

        @Test
        void areWhatTheGeneratorWritesForTheIrisExample() throws Exception {
            String[] run = generate(IRIS_FEATURES);
            assertThat(run[0]).as(run[2]).isEqualTo("0");
            assertThat(run[1]).as("resources/efk/kibana/saved-objects.ndjson is stale; regenerate it with "
                    + "resources/efk/kibana/saved_objects.py --features examples/iris/features.yaml")
                    .isEqualTo(Files.readString(KibanaObjects.NDJSON));
        }

        @Test
        void generatorRejectsAFeaturesFileWithoutFeatures(@TempDir Path dir) throws Exception {
            Path bad = Files.writeString(dir.resolve("features.yaml"), "columns: [a, b]\n");
            String[] run = generate(bad);
            assertThat(run[0]).isEqualTo("2");
            assertThat(run[2]).contains(bad.toString(), "no 'features' list");
            assertThat(run[1]).isEmpty();
        }

        @Test
        void generatorWritesTheIndexPatternAsked() throws Exception {
            String[] run = generate(IRIS_FEATURES, "--index-pattern", "ml-logs-*");
            assertThat(run[0]).isEqualTo("0");
            JsonNode first = JSON.readTree(run[1].lines().findFirst().orElseThrow());
            assertThat(first.get("type").asText()).isEqualTo("index-pattern");
            assertThat(first.get("attributes").get("title").asText()).isEqualTo("ml-logs-*");
        }

        @Test
        void everyReferenceResolvesToAnObjectOfItsType() {
            for (JsonNode o : objects.all()) {
                Set<String> names = new HashSet<>();
                for (JsonNode ref : o.get("references")) {
                    assertThat(names.add(ref.get("name").asText())).as("reference names of " + o.get("id")).isTrue();
                    objects.referenced(o, ref.get("name").asText());
                }
                assertThat(o.get("migrationVersion").has(o.get("type").asText())).isTrue();
            }
            JsonNode search = objects.get(KibanaObjects.SEARCH_ID);
            String indexRef = KibanaObjects.searchSource(search).get("indexRefName").asText();
            assertThat(objects.referenced(search, indexRef).get("attributes").get("timeFieldName").asText())
                    .isEqualTo("@timestamp");
        }

        @Test
        void theDashboardShowsTheSavedSearchAndEveryVisualizationOnce() {
            JsonNode dashboard = objects.get(KibanaObjects.DASHBOARD_ID);
            List<JsonNode> panels = objects.dashboardPanels();
            assertThat(panels).hasSameSizeAs(dashboard.get("references"));
            assertThat(panels.get(0).get("id").asText()).isEqualTo(KibanaObjects.SEARCH_ID);
            List<String> visualizations = objects.all().stream().filter(o -> o.get("type").asText()
                    .equals("visualization")).map(o -> o.get("id").asText()).toList();
            assertThat(panels.stream().skip(1).map(p -> p.get("id").asText()).toList())
                    .containsExactlyInAnyOrderElementsOf(visualizations);
            Set<String> panelIndexes = new HashSet<>();
            for (JsonNode panel : KibanaObjects.json(dashboard.get("attributes").get("panelsJSON").asText())) {
                assertThat(panelIndexes.add(panel.get("panelIndex").asText())).isTrue();
                JsonNode grid = panel.get("gridData");
                assertThat(grid.get("x").asInt() + grid.get("w").asInt()).isLessThanOrEqualTo(48);
                assertThat(grid.get("i").asText()).isEqualTo(panel.get("panelIndex").asText());
            }
        }

        @Test
        void panelsCoverClassesLatencyStatusAndEveryNumericFeature() throws IOException {
            List<String> signatures = new ArrayList<>();
            for (JsonNode vis : objects.dashboardPanels().subList(1, objects.dashboardPanels().size())) {
                List<String> parts = new ArrayList<>();
                for (JsonNode agg : KibanaObjects.visState(vis).get("aggs")) {
                    parts.add(agg.get("type").asText() + (agg.get("params").has("field")
                            ? ":" + agg.get("params").get("field").asText() : ""));
                }
                signatures.add(String.join(" ", parts));
            }
            List<String> expected = new ArrayList<>(List.of(
                    "count date_histogram:@timestamp terms:prediction",
                    "percentiles:latency_ms date_histogram:@timestamp",
                    "count date_histogram:@timestamp terms:status"));
            for (String feature : numericFeatures()) {
                expected.add("count histogram:features." + feature + " terms:model.version");
            }
            assertThat(signatures).containsExactlyElementsOf(expected);
            JsonNode errorRate = KibanaObjects.visState(objects.get("cd4ml-error-rate-by-status"));
            assertThat(errorRate.get("params").get("valueAxes").get(0).get("scale").get("mode").asText())
                    .as("error rate = share of each status").isEqualTo("percentage");
        }

        @Test
        void everyFieldTheObjectsUseIsMappedByTheTemplate() throws IOException {
            Set<String> used = new TreeSet<>();
            for (JsonNode o : objects.all()) {
                switch (o.get("type").asText()) {
                    case "search" -> o.get("attributes").get("columns").forEach(c -> used.add(c.asText()));
                    case "visualization" -> used.addAll(KibanaObjects.fields(o));
                    case "index-pattern" -> used.add(o.get("attributes").get("timeFieldName").asText());
                    default -> { }
                }
            }
            JsonNode template = KibanaObjects.template();
            for (String field : used) {
                assertThat(mapped(template.get("template").get("mappings"), field))
                        .as(field + " is mapped by resources/efk/index-template.json").isNotNull();
            }
            for (String feature : numericFeatures()) {
                assertThat(used).contains("features." + feature);
                assertThat(mapped(template.get("template").get("mappings"), "features." + feature)).isEqualTo("double");
            }
            assertThat(mapped(template.get("template").get("mappings"), "probabilities.setosa")).isEqualTo("double");
        }

        @Test
        void theIndexPatternIsTheTemplatesPattern() {
            JsonNode pattern = objects.get("cd4ml-predictions");
            assertThat(KibanaObjects.template().get("index_patterns").get(0).asText())
                    .isEqualTo(pattern.get("attributes").get("title").asText()).isEqualTo("logstash-*");
        }
    }

    /** The type the template gives a dotted field: from properties, else from a dynamic template's path_match. */
    private static String mapped(JsonNode mappings, String field) {
        JsonNode node = mappings;
        for (String part : field.split("\\.")) {
            node = node.path("properties").path(part);
        }
        if (node.has("type") && !node.get("type").asText().equals("object")) {
            return node.get("type").asText();
        }
        for (JsonNode entry : mappings.get("dynamic_templates")) {
            JsonNode rule = entry.elements().next();
            String glob = rule.get("path_match").asText();
            String regex = Pattern.quote(glob).replace("*", "\\E.*\\Q");
            if (field.matches(regex) && (!rule.has("match_mapping_type")
                    || rule.get("match_mapping_type").asText().equals("double"))) {
                return rule.get("mapping").get("type").asText();
            }
        }
        return null;
    }

    static List<String> numericFeatures() throws IOException {
        List<String> names = new ArrayList<>();
        Object loaded = new org.yaml.snakeyaml.Yaml().load(Files.readString(IRIS_FEATURES));
        for (Object f : (List<?>) ((java.util.Map<?, ?>) loaded).get("features")) {
            java.util.Map<?, ?> feature = (java.util.Map<?, ?>) f;
            if (List.of("float", "int").contains(String.valueOf(feature.get("type")))) {
                names.add(String.valueOf(feature.get("name")));
            }
        }
        return names;
    }

    @Nested
    class GrafanaDashboard {

        private final JsonNode dashboard = read();

        private static JsonNode read() {
            try {
                return JSON.readTree(GRAFANA.toFile());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Test
        void panelsHaveUniqueIdsAndUseTheDatasourceVariable() {
            Set<Integer> ids = new HashSet<>();
            Set<String> variables = new HashSet<>();
            dashboard.get("templating").get("list").forEach(v -> variables.add(v.get("name").asText()));
            assertThat(variables).contains("datasource", "namespace", "service");
            for (JsonNode panel : dashboard.get("panels")) {
                assertThat(ids.add(panel.get("id").asInt())).as("panel id " + panel.get("id")).isTrue();
                assertThat(panel.get("datasource").get("uid").asText()).isEqualTo("${datasource}");
                JsonNode grid = panel.get("gridPos");
                assertThat(grid.get("x").asInt() + grid.get("w").asInt()).isLessThanOrEqualTo(24);
                assertThat(panel.get("targets")).isNotEmpty();
                for (JsonNode target : panel.get("targets")) {
                    assertThat(target.get("expr").asText()).contains("namespace=\"$namespace\"",
                            "service=\"$service\"");
                }
            }
            assertThat(dashboard.get("uid").asText()).isEqualTo("cd4ml-serving");
        }

        @Test
        void queriesOnlyMetricsTheServerDefinesAndEveryOneOfThem() throws IOException {
            Set<String> defined = new TreeSet<>();
            Matcher m = Pattern.compile("(Counter|Histogram|Gauge)\\(\"(cd4ml_[a-z_]+)\"")
                    .matcher(Files.readString(METRICS_PY));
            while (m.find()) {
                defined.add(m.group(2));
            }
            assertThat(defined).hasSizeGreaterThanOrEqualTo(6);
            Set<String> used = metricsUsed(dashboard);
            Set<String> families = new TreeSet<>();
            for (String name : used) {
                String family = name.replaceAll("_(bucket|sum|count)$", "");
                assertThat(defined).as(name + " is defined in metrics.py").contains(family);
                families.add(family);
            }
            assertThat(families).containsExactlyInAnyOrderElementsOf(defined);
        }
    }

    /** The metric names in the dashboard's PromQL expressions (exposition names, with _bucket etc.). */
    public static Set<String> metricsUsed(JsonNode dashboard) {
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(cd4ml_[a-z_]+)\\b").matcher("");
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                m.reset(target.get("expr").asText());
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        return used;
    }
}
