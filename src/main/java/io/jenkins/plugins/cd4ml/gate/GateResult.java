package io.jenkins.plugins.cd4ml.gate;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.jenkins.plugins.cd4ml.run.MetricFormat;
import java.io.Serializable;
import java.util.List;

/**
 * The verdict of the quality gate on one model.
 *
 * @param modelVersion the model that was checked
 * @param passed true if every check passed
 * @param checks every rule applied, in {@code quality_gate.metrics} order (bounds first, then comparisons)
 * @param comparedTo what the model was compared with ({@code previous 1a2b3c4d5e6f}), or null if nothing
 * @param comparison why there was or was not a comparison, for people
 */
public record GateResult(String modelVersion, boolean passed, List<MetricCheck> checks, String comparedTo,
        String comparison) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** {@code passed} or {@code failed}, as JSON results spell a verdict. */
    @JsonProperty("status")
    public String status() {
        return passed ? "passed" : "failed";
    }

    /** The checks that failed. */
    public List<MetricCheck> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** One line for people: passed, or which metrics failed by how much. */
    public String summary() {
        if (passed) {
            return "model " + modelVersion + " passed " + checks.size() + " check" + (checks.size() == 1 ? "" : "s");
        }
        StringBuilder s = new StringBuilder("model " + modelVersion + " failed: ");
        List<MetricCheck> failed = failures();
        for (int i = 0; i < failed.size(); i++) {
            MetricCheck check = failed.get(i);
            s.append(i == 0 ? "" : "; ").append(check.metric());
            if (check.value() != null) { // the value itself, then by how much it missed: accuracy=0.85: 0.05 below min 0.9
                s.append('=').append(MetricFormat.format(check.value())).append(':');
            }
            s.append(' ').append(check.verdict());
        }
        return s.toString();
    }
}
