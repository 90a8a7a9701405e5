package io.jenkins.plugins.cd4ml.efk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kibana saved objects of resources/efk, read the way Kibana reads them, and each
 * visualization's aggregations turned into the Elasticsearch request Kibana sends for it.
 */
public final class KibanaObjects {

    public static final Path NDJSON = TestProjects.repository().resolve("resources/efk/kibana/saved-objects.ndjson");
    public static final Path GENERATOR = TestProjects.repository().resolve("resources/efk/kibana/saved_objects.py");
    public static final Path TEMPLATE = TestProjects.repository().resolve("resources/efk/index-template.json");
    public static final String SEARCH_ID = "cd4ml-predictions-by-model-version";
    public static final String DASHBOARD_ID = "cd4ml-predictions-dashboard";
    /** Kibana's "auto" interval depends on the time picker; any fixed interval sums to the same counts. */
    public static final String DATE_INTERVAL = "30s";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, JsonNode> byId = new LinkedHashMap<>();

    private KibanaObjects(List<JsonNode> objects) {
        for (JsonNode o : objects) {
            assertThat(byId.put(o.get("id").asText(), o)).as("duplicate id " + o.get("id")).isNull();
        }
    }

    public static KibanaObjects load() {
        try {
            List<JsonNode> objects = new ArrayList<>();
            for (String line : Files.readAllLines(NDJSON)) {
                if (!line.isBlank()) {
                    objects.add(JSON.readTree(line));
                }
            }
            return new KibanaObjects(objects);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode template() {
        try {
            return JSON.readTree(TEMPLATE.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<JsonNode> all() {
        return List.copyOf(byId.values());
    }

    public JsonNode get(String id) {
        JsonNode o = byId.get(id);
        assertThat(o).as("saved object " + id).isNotNull();
        return o;
    }

    /** The object a reference of {@code owner} named {@code name} points to (type checked). */
    public JsonNode referenced(JsonNode owner, String name) {
        for (JsonNode ref : owner.get("references")) {
            if (ref.get("name").asText().equals(name)) {
                JsonNode target = get(ref.get("id").asText());
                assertThat(target.get("type").asText()).as("type of " + name + " in " + owner.get("id"))
                        .isEqualTo(ref.get("type").asText());
                return target;
            }
        }
        return fail(owner.get("id") + " has no reference named " + name);
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return fail("not JSON: " + text + ": " + e.getMessage());
        }
    }

    public static JsonNode searchSource(JsonNode object) {
        return json(object.get("attributes").get("kibanaSavedObjectMeta").get("searchSourceJSON").asText());
    }

    /** The saved search's query text, exactly as stored. */
    public String savedSearchQuery() {
        JsonNode query = searchSource(get(SEARCH_ID)).get("query");
        assertThat(query.get("language").asText()).isEqualTo("lucene");
        return query.get("query").asText();
    }

    /** The objects the dashboard shows, in panel order. */
    public List<JsonNode> dashboardPanels() {
        JsonNode dashboard = get(DASHBOARD_ID);
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : json(dashboard.get("attributes").get("panelsJSON").asText())) {
            panels.add(referenced(dashboard, panel.get("panelRefName").asText()));
        }
        return panels;
    }

    public static JsonNode visState(JsonNode visualization) {
        return json(visualization.get("attributes").get("visState").asText());
    }

    /** The query a visualization filters with: its saved search's (it must have one). */
    public String queryOf(JsonNode visualization) {
        String own = searchSource(visualization).get("query").get("query").asText();
        assertThat(own).as("own query of " + visualization.get("id")).isEmpty();
        JsonNode search = referenced(visualization, visualization.get("attributes").get("savedSearchRefName").asText());
        return searchSource(search).get("query").get("query").asText();
    }

    /** Every field a visualization aggregates on. */
    public static List<String> fields(JsonNode visualization) {
        List<String> fields = new ArrayList<>();
        for (JsonNode agg : visState(visualization).get("aggs")) {
            if (agg.get("params").has("field")) {
                fields.add(agg.get("params").get("field").asText());
            }
        }
        return fields;
    }

    /**
     * The search request Kibana sends for this visualization: its saved search's query as a
     * {@code query_string}, bucket aggregations nested in the order of the vis state, metrics inside.
     */
    public ObjectNode request(JsonNode visualization) {
        ObjectNode body = JSON.createObjectNode();
        body.put("size", 0);
        body.putObject("query").putObject("query_string").put("query", queryOf(visualization));
        ObjectNode level = body;
        List<JsonNode> metrics = new ArrayList<>();
        for (JsonNode agg : visState(visualization).get("aggs")) {
            if (agg.get("schema").asText().equals("metric")) {
                metrics.add(agg);
                continue;
            }
            ObjectNode bucket = level.putObject("aggs").putObject(agg.get("id").asText());
            JsonNode p = agg.get("params");
            switch (agg.get("type").asText()) {
                case "date_histogram" -> bucket.putObject("date_histogram").put("field", p.get("field").asText())
                        .put("fixed_interval", DATE_INTERVAL).put("min_doc_count", p.get("min_doc_count").asInt());
                case "terms" -> {
                    ObjectNode terms = bucket.putObject("terms").put("field", p.get("field").asText())
                            .put("size", p.get("size").asInt());
                    terms.putObject("order").put("_count", p.get("order").asText());
                }
                case "histogram" -> bucket.putObject("histogram").put("field", p.get("field").asText())
                        .put("interval", p.get("interval").asDouble())
                        .put("min_doc_count", p.get("min_doc_count").asBoolean() ? 0 : 1);
                default -> fail("no translation for bucket aggregation " + agg.get("type") + " in " + visualization.get("id"));
            }
            level = bucket;
        }
        for (JsonNode metric : metrics) {
            JsonNode p = metric.get("params");
            switch (metric.get("type").asText()) {
                case "count" -> { } // every bucket's doc_count
                case "percentiles" -> {
                    ObjectNode percentiles = level.with("aggs").putObject(metric.get("id").asText())
                            .putObject("percentiles").put("field", p.get("field").asText());
                    ArrayNode percents = percentiles.putArray("percents");
                    p.get("percents").forEach(percents::add);
                }
                default -> fail("no translation for metric " + metric.get("type") + " in " + visualization.get("id"));
            }
        }
        return body;
    }

    /** One leaf bucket of an aggregation answer: the keys on the way down, its count and metrics. */
    public record Row(List<String> keys, long count, JsonNode bucket) {
    }

    /** Flattens an answer to {@link #request} into its leaf buckets. */
    public static List<Row> rows(JsonNode visualization, JsonNode answer) {
        List<String> ids = new ArrayList<>();
        for (JsonNode agg : visState(visualization).get("aggs")) {
            if (!agg.get("schema").asText().equals("metric")) {
                ids.add(agg.get("id").asText());
            }
        }
        List<Row> rows = new ArrayList<>();
        collect(answer.get("aggregations"), ids, 0, new ArrayList<>(), rows);
        return rows;
    }

    private static void collect(JsonNode level, List<String> ids, int depth, List<String> keys, List<Row> rows) {
        for (JsonNode bucket : level.get(ids.get(depth)).get("buckets")) {
            List<String> path = new ArrayList<>(keys);
            path.add(bucket.has("key_as_string") ? bucket.get("key_as_string").asText() : bucket.get("key").asText());
            if (depth + 1 == ids.size()) {
                rows.add(new Row(path, bucket.get("doc_count").asLong(), bucket));
            } else {
                collect(bucket, ids, depth + 1, path, rows);
            }
        }
    }
}
