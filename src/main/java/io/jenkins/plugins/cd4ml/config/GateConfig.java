package io.jenkins.plugins.cd4ml.config;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code quality_gate} section: the metric bounds a model must meet to be shipped.
 *
 * @param compareTo {@code deployed} to also compare against the model now serving
 * @param maxRegression how much worse than the deployed model a metric may be
 */
public record GateConfig(Map<String, Bound> metrics, Optional<String> compareTo, Optional<Double> maxRegression) {

    /** Bounds for one metric; at least one is present. */
    public record Bound(Optional<Double> min, Optional<Double> max) {
    }
}
