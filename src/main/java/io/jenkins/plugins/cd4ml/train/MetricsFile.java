package io.jenkins.plugins.cd4ml.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code metrics.json} ({@code {"accuracy": 0.97, ...}}) that a script may write to
 * {@code SM_OUTPUT_DATA_DIR}; numeric top-level values only.
 */
final class MetricsFile {

    private MetricsFile() {
    }

    static Map<String, Double> read(Path file) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return metrics;
        }
        try {
            JsonNode root = Json.mapper().readTree(file.toFile());
            Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getValue().isNumber() && Double.isFinite(field.getValue().asDouble())) {
                    metrics.put(field.getKey(), field.getValue().asDouble());
                }
            }
        } catch (IOException e) {
            throw new TrainingFailedException("the script wrote " + file + " but it is not valid JSON: "
                    + e.getMessage(), "write a JSON object of metric names to numbers, e.g. {\"accuracy\": 0.97}");
        }
        return metrics;
    }
}
