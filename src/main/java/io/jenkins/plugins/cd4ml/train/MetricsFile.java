package io.jenkins.plugins.cd4ml.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code metrics.json} that a script may write to {@code SM_OUTPUT_DATA_DIR}: one JSON
 * object ({@code {"accuracy": 0.97, ...}}), or one object per line appended as training goes
 * ({@code {"step": 1, "accuracy": 0.81}}), where each metric's last value is its final one.
 * Numeric top-level values only; {@code step} numbers a record and is not a metric.
 */
final class MetricsFile {

    /** The field that numbers a record of a metrics.json written line by line. */
    static final String STEP = "step";

    private MetricsFile() {
    }

    static Map<String, Double> read(Path file) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return metrics;
        }
        try (MappingIterator<JsonNode> records = Json.mapper().readerFor(JsonNode.class).readValues(file.toFile())) {
            while (records.hasNextValue()) {
                metrics.putAll(numbers(records.nextValue()));
            }
        } catch (IOException | RuntimeException e) {
            throw new TrainingFailedException("the script wrote " + file + " but it is not valid JSON: "
                    + e.getMessage(), "write a JSON object of metric names to numbers, e.g. {\"accuracy\": 0.97}, "
                    + "or one such object per line");
        }
        return metrics;
    }

    /** The metrics of one line of a metrics.json written line by line; empty if it is not a JSON object. */
    static Map<String, Double> record(String line) {
        if (!line.startsWith("{") || !line.endsWith("}")) {
            return Map.of();
        }
        try {
            return numbers(Json.mapper().readTree(line));
        } catch (IOException e) {
            return Map.of();
        }
    }

    private static Map<String, Double> numbers(JsonNode root) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (root == null || !root.isObject()) {
            return metrics;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals(STEP) && field.getValue().isNumber()
                    && Double.isFinite(field.getValue().asDouble())) {
                metrics.put(field.getKey(), field.getValue().asDouble());
            }
        }
        return metrics;
    }
}
