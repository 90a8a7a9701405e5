package io.jenkins.plugins.cd4ml.gate;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.GateConfig;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.run.MetricFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a trained model is good enough to ship: the bounds of
 * {@code quality_gate.metrics}, and with {@code compare_to} no more regression than
 * {@code max_regression} (none by default) against an earlier model.
 *
 * <pre>{@code
 * GateResult verdict = QualityGate.forProject(config)
 *         .withChampions(StoredModels.of(config, s3).excluding(trialVersions))
 *         .check(candidate);
 * }</pre>
 *
 * <p>Which way is better: the tune objective's goal for the objective metric; otherwise a metric
 * bounded only by {@code max} is better lower, and every other metric is better higher.
 */
public final class QualityGate {

    private final ProjectConfig project;
    private final GateConfig config;
    private ChampionLookup champions = QualityGate::noChampionLookup;

    private QualityGate(ProjectConfig project, GateConfig config) {
        this.project = project;
        this.config = config;
    }

    /**
     * The gate a project configures.
     *
     * @throws Cd4mlException if the project has no {@code quality_gate} section
     */
    public static QualityGate forProject(ProjectConfig project) {
        GateConfig gate = project.qualityGate().orElseThrow(() -> Cd4mlException.badInput(project.file()
                .getFileName() + " has no quality_gate section, so there is nothing to check",
                "add e.g. quality_gate: {metrics: {accuracy: {min: 0.9}}}"));
        return new QualityGate(project, gate);
    }

    /** Finds the models {@code compare_to} names. */
    public QualityGate withChampions(ChampionLookup lookup) {
        this.champions = lookup;
        return this;
    }

    /** Applies every rule to {@code candidate}. */
    public GateResult check(ModelManifest candidate) {
        List<MetricCheck> checks = new ArrayList<>();
        for (Map.Entry<String, GateConfig.Bound> entry : config.metrics().entrySet()) {
            String metric = entry.getKey();
            Double value = candidate.metrics().get(metric);
            GateConfig.Bound bound = entry.getValue();
            bound.min().ifPresent(min -> checks.add(bounded(metric, value, "min", min)));
            bound.max().ifPresent(max -> checks.add(bounded(metric, value, "max", max)));
        }
        String comparedTo = null;
        String comparison = "no compare_to";
        if (config.compareTo().isPresent()) {
            String target = config.compareTo().get();
            Optional<ModelManifest> champion = champions.find(target, candidate);
            if (champion.isEmpty()) {
                comparison = target.equals("previous") ? "no previous model to compare with (the first model of "
                        + candidate.project() + ")" : "nothing is deployed yet (compare_to: " + target
                        + "), so there is no model to compare with";
            } else {
                ModelManifest c = champion.get();
                comparedTo = target + " " + c.version();
                comparison = "compared with " + comparedTo;
                for (String metric : config.metrics().keySet()) {
                    checks.add(compared(metric, candidate.metrics().get(metric), target, c));
                }
            }
        }
        boolean passed = checks.stream().allMatch(MetricCheck::passed);
        return new GateResult(candidate.version(), passed, List.copyOf(checks), comparedTo, comparison);
    }

    private static MetricCheck bounded(String metric, Double value, String kind, double limit) {
        String rule = kind + " " + MetricFormat.format(limit);
        if (value == null) {
            return new MetricCheck(metric, null, rule, limit, false, "not reported by the model");
        }
        boolean passed = kind.equals("min") ? value >= limit : value <= limit;
        String verdict = passed ? "passed" : MetricFormat.format(Math.abs(value - limit))
                + (kind.equals("min") ? " below min " : " above max ") + MetricFormat.format(limit);
        return new MetricCheck(metric, value, rule, limit, passed, verdict);
    }

    private MetricCheck compared(String metric, Double value, String target, ModelManifest champion) {
        Double reference = champion.metrics().get(metric);
        Optional<GateConfig.Regression> regression = config.maxRegression();
        if (reference == null) {
            return new MetricCheck(metric, value, target + " (did not report it)", Double.NaN, true,
                    "passed (the " + target + " model " + champion.version() + " has no " + metric + ")");
        }
        double allowed = regression.map(r -> r.allowedFrom(reference)).orElse(0.0);
        String rule = target + " " + MetricFormat.format(reference) + (regression.isPresent()
                ? " (may " + (higherIsBetter(metric) ? "drop " : "rise ") + regression.get() + ")" : "");
        if (value == null) {
            return new MetricCheck(metric, null, rule, reference, false, "not reported by the model");
        }
        double worse = higherIsBetter(metric) ? reference - value : value - reference;
        // tolerate rounding noise in values read back from text
        boolean passed = worse <= allowed + 1e-12;
        String verdict = passed ? "passed" : MetricFormat.format(worse) + (higherIsBetter(metric) ? " below " : " above ")
                + "the " + target + " model's " + MetricFormat.format(reference)
                + (allowed > 0 ? ", " + MetricFormat.format(worse - allowed) + " more than the allowed "
                        + MetricFormat.format(allowed) : "");
        return new MetricCheck(metric, value, rule, reference, passed, verdict);
    }

    private boolean higherIsBetter(String metric) {
        Optional<TuneConfig> tune = project.tune();
        if (tune.isPresent() && tune.get().objectiveMetric() != null && tune.get().objectiveMetric().equals(metric)) {
            return tune.get().goal() == TuneConfig.Goal.MAXIMIZE;
        }
        GateConfig.Bound bound = config.metrics().get(metric);
        return !(bound.max().isPresent() && bound.min().isEmpty());
    }

    private static Optional<ModelManifest> noChampionLookup(String compareTo, ModelManifest candidate) {
        throw Cd4mlException.badInput("quality_gate.compare_to: " + compareTo + " needs a way to find that model, "
                + "which this caller did not give", "use compare_to: previous, or run the gate through cd4ml gate / "
                + "cd4ml run");
    }
}
