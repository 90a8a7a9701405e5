package io.jenkins.plugins.cd4ml.config;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code quality_gate} section: the metric bounds a model must meet to be shipped.
 *
 * @param compareTo {@code previous} (the newest earlier model in the model store), or
 *     {@code deployed} / {@code deployed:ENV} (the model now serving)
 * @param maxRegression how much worse than the compared model each gated metric may be
 */
public record GateConfig(Map<String, Bound> metrics, Optional<String> compareTo, Optional<Regression> maxRegression) {

    /** Bounds for one metric; at least one is present. */
    public record Bound(Optional<Double> min, Optional<Double> max) {
    }

    /**
     * An allowed regression: {@code amount} in the metric's own units, or percent of the compared
     * model's value when {@code percent}.
     */
    public record Regression(double amount, boolean percent) {

        /** How far below (or above) {@code reference} a value may be. */
        public double allowedFrom(double reference) {
            return percent ? Math.abs(reference) * amount / 100.0 : amount;
        }

        /** As written in config.yaml: {@code 0.01} or {@code 2%}. */
        @Override
        public String toString() {
            String number = amount == Math.rint(amount) ? String.valueOf((long) amount) : String.valueOf(amount);
            return percent ? number + "%" : number;
        }
    }
}
