package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.run.MetricFormat;
import io.jenkins.plugins.cd4ml.tune.Trial;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Formats trials as rows of a fixed-width table: number, status, objective, each parameter, time, model. */
final class TrialTable {

    private static final int MIN_PARAMETER_WIDTH = 10;

    private TrialTable() {
    }

    static String header(String objective, List<String> parameters) {
        StringBuilder s = new StringBuilder(String.format("  %4s  %-9s  %10s", "#", "status", clip(objective, 10)));
        for (String p : parameters) {
            s.append("  ").append(String.format("%-" + width(p) + "s", p));
        }
        return s.append(String.format("  %8s  %s", "time", "model")).toString();
    }

    static String row(Trial trial, List<String> parameters, boolean best) {
        StringBuilder s = new StringBuilder(String.format("%s %4d  %-9s  %10s", best ? "*" : " ", trial.number(),
                trial.status().jsonName(), trial.value() == null ? "-" : MetricFormat.format(trial.value())));
        Map<String, String> values = trial.parameters();
        for (String p : parameters) {
            s.append("  ").append(String.format("%-" + width(p) + "s", clip(values.getOrDefault(p, "-"), width(p))));
        }
        s.append(String.format("  %7.1fs  %s", trial.durationSeconds(), trial.modelVersion() != null
                ? trial.modelVersion() : trial.error() != null ? clip(trial.error(), 60) : ""));
        return s.toString();
    }

    /** The whole table of a finished tune, best trial marked with {@code *}. */
    static String of(TuneResult result) {
        List<String> parameters = parameterNames(result.trials());
        StringBuilder s = new StringBuilder(header(result.objective(), parameters)).append('\n');
        for (Trial t : result.trials()) {
            boolean best = result.best() != null && result.best().number() == t.number();
            s.append(row(t, parameters, best)).append('\n');
        }
        return s.toString();
    }

    static List<String> parameterNames(List<Trial> trials) {
        List<String> names = new ArrayList<>();
        for (Trial t : trials) {
            for (String p : t.parameters().keySet()) {
                if (!names.contains(p)) {
                    names.add(p);
                }
            }
        }
        return names;
    }

    private static int width(String parameter) {
        return Math.max(MIN_PARAMETER_WIDTH, parameter.length());
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "…";
    }
}
