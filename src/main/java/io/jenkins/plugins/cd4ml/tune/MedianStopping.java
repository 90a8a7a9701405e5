package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.config.TuneConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The median stopping rule (as Optuna's {@code MedianPruner} and Katib's median stop apply it):
 * after {@value #STARTUP_TRIALS} trials have completed, a running trial whose best value so far
 * is worse than the median of the completed trials' values at the same step is stopped.
 */
final class MedianStopping {

    static final int STARTUP_TRIALS = 5;

    private final boolean enabled;
    private final boolean maximize;
    private final Map<Integer, List<Double>> series = new HashMap<>();
    private final Set<Integer> completed = new HashSet<>();

    private MedianStopping(boolean enabled, boolean maximize) {
        this.enabled = enabled;
        this.maximize = maximize;
    }

    static MedianStopping forTune(TuneConfig tune) {
        return new MedianStopping(tune.earlyStopping().equals("auto"), tune.goal() == TuneConfig.Goal.MAXIMIZE);
    }

    synchronized boolean report(int trial, int step, double value) {
        List<Double> values = series.computeIfAbsent(trial, t -> new ArrayList<>());
        while (values.size() < step - 1) {
            values.add(value); // a skipped step repeats the value that followed it
        }
        values.add(value);
        if (!enabled || completed.size() < STARTUP_TRIALS) {
            return false;
        }
        List<Double> atStep = new ArrayList<>();
        for (int other : completed) {
            List<Double> s = series.get(other);
            if (s != null && s.size() >= step) {
                atStep.add(s.get(step - 1));
            }
        }
        if (atStep.isEmpty()) {
            return false;
        }
        atStep.sort(null);
        int n = atStep.size();
        double median = n % 2 == 1 ? atStep.get(n / 2) : (atStep.get(n / 2 - 1) + atStep.get(n / 2)) / 2;
        double best = values.stream().mapToDouble(Double::doubleValue).reduce(maximize ? Math::max : Math::min)
                .orElse(value);
        return maximize ? best < median : best > median;
    }

    synchronized void finished(int trial, TrialStatus status) {
        if (status == TrialStatus.COMPLETED) {
            completed.add(trial);
        }
    }

    String describe() {
        return enabled ? ", median stopping after " + STARTUP_TRIALS + " completed trials" : "";
    }
}
