package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.config.TuneConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Every combination of the parameters' values, in a seeded random order (as Optuna's
 * {@code GridSampler} visits its grid), so that {@code max_trials} smaller than the grid still
 * spreads over it. Categorical parameters contribute their values; an int range every integer,
 * or {@value #MAX_POINTS} points spread evenly (on its scale) when it holds more.
 */
final class GridSearch implements Search {

    static final int MAX_POINTS = 10;

    private final List<Map<String, String>> grid;
    private final MedianStopping stopping;
    private int next;

    GridSearch(TuneConfig tune) {
        List<String> names = new ArrayList<>(tune.parameters().keySet());
        List<List<String>> axes = new ArrayList<>();
        for (TuneConfig.Parameter p : tune.parameters().values()) {
            axes.add(points(p));
        }
        List<Map<String, String>> all = new ArrayList<>();
        combine(names, axes, 0, new LinkedHashMap<>(), all);
        Collections.shuffle(all, new Random(tune.seed()));
        this.grid = List.copyOf(all);
        this.stopping = MedianStopping.forTune(tune);
    }

    /** The number of points in the grid. */
    int size() {
        return grid.size();
    }

    static List<String> points(TuneConfig.Parameter p) {
        if (p.type().equals("categorical")) {
            return p.values();
        }
        // the reader rejects float ranges for grid search
        long min = p.min().orElseThrow().longValue();
        long max = p.max().orElseThrow().longValue();
        LinkedHashSet<String> values = new LinkedHashSet<>();
        if (max - min + 1 <= MAX_POINTS) {
            for (long v = min; v <= max; v++) {
                values.add(ParameterText.ofInt(v));
            }
        } else {
            for (int i = 0; i < MAX_POINTS; i++) {
                double f = i / (double) (MAX_POINTS - 1);
                double x = p.log() ? Math.exp(Math.log(min) + f * (Math.log(max) - Math.log(min))) : min + f * (max - min);
                values.add(ParameterText.ofInt(Math.round(x)));
            }
        }
        return List.copyOf(values);
    }

    private static void combine(List<String> names, List<List<String>> axes, int i, Map<String, String> current,
            List<Map<String, String>> out) {
        if (i == names.size()) {
            out.add(Collections.unmodifiableMap(new LinkedHashMap<>(current)));
            return;
        }
        for (String value : axes.get(i)) {
            current.put(names.get(i), value);
            combine(names, axes, i + 1, current, out);
        }
        current.remove(names.get(i));
    }

    @Override
    public synchronized Suggestion ask() {
        if (next >= grid.size()) {
            return null;
        }
        int number = next++;
        return new Suggestion(number, grid.get(number));
    }

    @Override
    public boolean report(int trial, int step, double value) {
        return stopping.report(trial, step, value);
    }

    @Override
    public void tell(int trial, TrialStatus status, Double value) {
        stopping.finished(trial, status);
    }

    @Override
    public String describe() {
        return "grid of " + grid.size() + " point" + (grid.size() == 1 ? "" : "s") + stopping.describe();
    }
}
