package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.gate.GateResult;
import io.jenkins.plugins.cd4ml.gate.MetricCheck;
import io.jenkins.plugins.cd4ml.run.MetricFormat;

/** Formats a quality-gate verdict: one line per check with the value, the rule and the verdict. */
final class GateTable {

    private GateTable() {
    }

    static String of(GateResult gate) {
        StringBuilder s = new StringBuilder(String.format("Quality gate of model %s: %s (%s)%n", gate.modelVersion(),
                gate.passed() ? "passed" : "FAILED", gate.comparison()));
        int ruleWidth = Math.max(4, gate.checks().stream().mapToInt(c -> c.rule().length()).max().orElse(4));
        int metricWidth = Math.max(6, gate.checks().stream().mapToInt(c -> c.metric().length()).max().orElse(6));
        s.append(String.format("  %-" + metricWidth + "s  %10s  %-" + ruleWidth + "s  %s%n", "metric", "value", "rule",
                "verdict"));
        for (MetricCheck c : gate.checks()) {
            s.append(String.format("  %-" + metricWidth + "s  %10s  %-" + ruleWidth + "s  %s%n", c.metric(),
                    c.value() == null ? "-" : MetricFormat.format(c.value()), c.rule(),
                    c.passed() ? c.verdict() : "FAILED: " + c.verdict()));
        }
        return s.toString();
    }
}
