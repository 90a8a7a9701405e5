package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.config.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;

/**
 * Reads metrics from training log lines the way SageMaker applies MetricDefinitions: each regex is
 * searched in every line and its first group parsed as a number; the last value seen wins.
 */
final class MetricExtractor {

    private final List<TrainConfig.Metric> definitions;
    private final Map<String, Double> values = new ConcurrentHashMap<>();

    MetricExtractor(List<TrainConfig.Metric> definitions) {
        this.definitions = definitions;
    }

    void observe(String line) {
        for (TrainConfig.Metric metric : definitions) {
            Matcher m = metric.regex().matcher(line);
            if (m.find() && m.group(1) != null) {
                try {
                    double value = Double.parseDouble(m.group(1).strip());
                    if (Double.isFinite(value)) {
                        values.put(metric.name(), value);
                    }
                } catch (NumberFormatException e) {
                    // SageMaker ignores a match that is not a number; so do we
                }
            }
        }
    }

    /** The metrics seen, in definition order. */
    Map<String, Double> values() {
        Map<String, Double> ordered = new LinkedHashMap<>();
        for (TrainConfig.Metric metric : definitions) {
            Double v = values.get(metric.name());
            if (v != null) {
                ordered.put(metric.name(), v);
            }
        }
        return ordered;
    }
}
