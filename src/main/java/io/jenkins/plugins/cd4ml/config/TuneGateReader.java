package io.jenkins.plugins.cd4ml.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/** Reads the {@code tune} and {@code quality_gate} sections. */
final class TuneGateReader {

    private static final List<String> TUNE_KEYS = List.of("objective", "strategy", "max_trials", "parallel_trials",
            "early_stopping", "parameters", "seed", "max_failed_trials", "native", "warm_start");
    private static final List<String> PARAMETER_KEYS = List.of("type", "min", "max", "scale", "values");
    private static final List<String> GATE_KEYS = List.of("metrics", "compare_to", "max_regression");

    private static final Pattern COMPARE_TO = Pattern.compile("previous|deployed(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)?");

    private TuneGateReader() {
    }

    static TuneConfig tune(YamlMap root) {
        YamlMap tune = root.map("tune", TUNE_KEYS);
        if (tune == null) {
            return null;
        }
        YamlMap objective = tune.map("objective", List.of("metric", "goal"));
        String metric = null;
        String goal = null;
        if (objective == null) {
            tune.missing("objective", "add 'objective: {metric: accuracy, goal: maximize}'");
        } else {
            metric = objective.requiredString("metric", "name a metric from train.metrics");
            goal = objective.choice("goal", List.of("maximize", "minimize"));
            if (!objective.has("goal")) {
                objective.missing("goal", "use maximize or minimize");
            }
        }
        String strategy = Optional.ofNullable(tune.choice("strategy", TuneConfig.STRATEGIES)).orElse("bayesian");
        Integer maxTrials = tune.integer("max_trials", 1, 10_000);
        Integer parallel = tune.integer("parallel_trials", 1, 1_000);
        if (maxTrials != null && parallel != null && parallel > maxTrials) {
            tune.problem("parallel_trials", parallel + " parallel trials is more than max_trials (" + maxTrials
                    + "); use at most " + maxTrials);
        }
        String earlyStopping = Optional.ofNullable(tune.choice("early_stopping", List.of("off", "auto")))
                .orElse("off");
        Map<String, TuneConfig.Parameter> parameters = tune.entriesOf("parameters", false,
                (owner, name, node) -> parameter(owner, name, node, strategy));
        if (parameters == null || parameters.isEmpty() && tune.has("parameters")) {
            if (!tune.has("parameters")) {
                tune.missing("parameters", "give at least one hyperparameter range, e.g. "
                        + "max_depth: {type: int, min: 2, max: 12}");
            } else {
                tune.problem("parameters", "must name at least one hyperparameter range");
            }
        }
        Integer seed = tune.integer("seed", 0, Integer.MAX_VALUE);
        Integer maxFailed = tune.integer("max_failed_trials", 0, 10_000);
        Boolean nativeTuning = tune.bool("native");
        List<String> warmStart = tune.stringList("warm_start");
        if (warmStart != null && warmStart.size() > 5) {
            tune.problem("warm_start", "SageMaker warm starts from at most 5 parent tuning jobs; found "
                    + warmStart.size());
        }
        return new TuneConfig(metric, goal == null ? TuneConfig.Goal.MAXIMIZE
                : TuneConfig.Goal.valueOf(goal.toUpperCase(Locale.ROOT)), strategy,
                maxTrials == null ? 20 : maxTrials, parallel == null ? 1 : parallel, earlyStopping,
                parameters == null ? Map.of() : new LinkedHashMap<>(parameters),
                seed == null ? TuneConfig.DEFAULT_SEED : seed, Optional.ofNullable(maxFailed),
                nativeTuning == null || nativeTuning, warmStart == null ? List.of() : List.copyOf(warmStart));
    }

    private static TuneConfig.Parameter parameter(YamlMap parameters, String name, Node node, String strategy) {
        YamlMap p = parameters.asMap(node, parameters.child(name), PARAMETER_KEYS);
        if (p == null) {
            return null;
        }
        String type = p.choice("type", List.of("int", "float", "categorical"));
        if (!p.has("type")) {
            p.missing("type", "use int, float or categorical");
            return null;
        }
        if (type == null) {
            return null;
        }
        String scale = Optional.ofNullable(p.choice("scale", List.of("linear", "log"))).orElse("linear");
        if (type.equals("categorical")) {
            List<String> values = p.stringList("values");
            for (String key : List.of("min", "max", "scale")) {
                if (p.has(key)) {
                    p.problem(key, "a categorical parameter takes only 'values'; remove '" + key + "'");
                }
            }
            if (values == null) {
                p.missing("values", "list the choices, e.g. values: [gini, entropy]");
            } else if (values.isEmpty()) {
                p.problem("values", "must list at least one choice");
            }
            return new TuneConfig.Parameter(type, Optional.empty(), Optional.empty(), scale,
                    values == null ? List.of() : values);
        }
        if (p.has("values")) {
            p.problem("values", "'values' is only for categorical parameters; use min and max for " + type);
        }
        Double min = p.number("min");
        Double max = p.number("max");
        if (!p.has("min")) {
            p.missing("min", "give the lower bound");
        }
        if (!p.has("max")) {
            p.missing("max", "give the upper bound");
        }
        if (min != null && max != null && min >= max) {
            p.problem("max", "max (" + YamlMap.show(max) + ") must be greater than min (" + YamlMap.show(min) + ")");
        }
        if (type.equals("int")) {
            for (String key : List.of("min", "max")) {
                Double v = key.equals("min") ? min : max;
                if (v != null && v != Math.rint(v)) {
                    p.problem(key, YamlMap.show(v) + " is not a whole number; an int parameter needs whole bounds");
                }
            }
        }
        if (scale.equals("log") && min != null && min <= 0) {
            p.problem("min", "a log-scaled range must start above 0, found " + YamlMap.show(min));
        }
        if (strategy.equals("grid") && type.equals("float")) {
            p.problem("type", "a grid search cannot enumerate a float range; use a categorical list of values "
                    + "or another strategy (random, bayesian, hyperband)");
        }
        return new TuneConfig.Parameter(type, Optional.ofNullable(min), Optional.ofNullable(max), scale, List.of());
    }

    static GateConfig gate(YamlMap root) {
        YamlMap gate = root.map("quality_gate", GATE_KEYS);
        if (gate == null) {
            return null;
        }
        Map<String, GateConfig.Bound> metrics = gate.entriesOf("metrics", false, (owner, name, node) -> {
            YamlMap b = owner.asMap(node, owner.child(name), List.of("min", "max"));
            if (b == null) {
                return null;
            }
            Double min = b.number("min");
            Double max = b.number("max");
            if (!b.has("min") && !b.has("max")) {
                b.problem(null, "give at least one bound, e.g. {min: 0.9}");
            }
            if (min != null && max != null && min > max) {
                b.problem("max", "max (" + YamlMap.show(max) + ") is below min (" + YamlMap.show(min) + "); no model could pass");
            }
            return new GateConfig.Bound(Optional.ofNullable(min), Optional.ofNullable(max));
        });
        if (metrics == null && !gate.has("metrics")) {
            gate.missing("metrics", "give bounds per metric, e.g. metrics: {accuracy: {min: 0.9}}");
        }
        String compareTo = gate.string("compare_to");
        if (compareTo != null && !COMPARE_TO.matcher(compareTo).matches()) {
            gate.problem("compare_to", "'" + compareTo + "' is not allowed; expected previous (the newest earlier "
                    + "model in the model store), deployed or deployed:ENVIRONMENT");
            compareTo = null;
        }
        GateConfig.Regression maxRegression = regression(gate);
        if (gate.has("max_regression") && !gate.has("compare_to")) {
            gate.problem("max_regression", "only applies with compare_to (previous or deployed); add it or remove "
                    + "max_regression");
        }
        return new GateConfig(metrics == null ? Map.of() : new LinkedHashMap<>(metrics),
                Optional.ofNullable(compareTo), Optional.ofNullable(maxRegression));
    }

    /** {@code max_regression}: a number in the metric's units, or a percentage such as {@code 2%}. */
    private static GateConfig.Regression regression(YamlMap gate) {
        String text = gate.string("max_regression");
        if (text == null) {
            return null;
        }
        String trimmed = text.strip();
        boolean percent = trimmed.endsWith("%");
        String number = percent ? trimmed.substring(0, trimmed.length() - 1).strip() : trimmed;
        double amount;
        try {
            amount = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            gate.problem("max_regression", "'" + text + "' is not a number or a percentage; write e.g. 0.01 "
                    + "(in the metric's units) or 2%");
            return null;
        }
        if (amount < 0 || !Double.isFinite(amount)) {
            gate.problem("max_regression", "must be 0 or more, found " + text);
            return null;
        }
        return new GateConfig.Regression(amount, percent);
    }
}
