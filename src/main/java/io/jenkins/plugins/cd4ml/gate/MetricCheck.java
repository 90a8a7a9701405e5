package io.jenkins.plugins.cd4ml.gate;

import java.io.Serializable;

/**
 * One rule of the quality gate applied to one metric: a bound, or a comparison with an earlier model.
 *
 * @param metric the metric name
 * @param value the candidate's value; null when the model did not report the metric
 * @param rule the rule as people read it, such as {@code min 0.9} or {@code previous 0.95 (may drop 0.01)}
 * @param reference the number the value was held against (the bound, or the compared model's value)
 * @param passed whether the value meets the rule
 * @param verdict one line: {@code passed}, or what failed and by how much
 */
public record MetricCheck(String metric, Double value, String rule, double reference, boolean passed,
        String verdict) implements Serializable {

    private static final long serialVersionUID = 1L;
}
