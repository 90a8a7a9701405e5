package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.config.TuneConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Samples every parameter independently and uniformly (on a log scale where asked), from a seeded
 * generator so a tune can be repeated. Prunes by the median rule when early stopping is on.
 */
final class RandomSearch implements Search {

    private final Map<String, TuneConfig.Parameter> parameters;
    private final Random random;
    private final MedianStopping stopping;
    private int next;

    RandomSearch(TuneConfig tune) {
        this.parameters = tune.parameters();
        this.random = new Random(tune.seed());
        this.stopping = MedianStopping.forTune(tune);
    }

    @Override
    public synchronized Suggestion ask() {
        Map<String, String> values = new LinkedHashMap<>();
        parameters.forEach((name, p) -> values.put(name, sample(p)));
        return new Suggestion(next++, values);
    }

    private String sample(TuneConfig.Parameter p) {
        if (p.type().equals("categorical")) {
            return p.values().get(random.nextInt(p.values().size()));
        }
        double min = p.min().orElseThrow();
        double max = p.max().orElseThrow();
        if (p.type().equals("int")) {
            if (p.log()) {
                // log-uniform over [min, max + 1), floored: every integer gets the width of its own log interval
                double x = Math.exp(Math.log(min) + random.nextDouble() * (Math.log(max + 1) - Math.log(min)));
                return ParameterText.ofInt(Math.max((long) min, Math.min((long) max, (long) Math.floor(x))));
            }
            return ParameterText.ofInt((long) min + (long) random.nextInt((int) (max - min) + 1));
        }
        double x = p.log() ? Math.exp(Math.log(min) + random.nextDouble() * (Math.log(max) - Math.log(min)))
                : min + random.nextDouble() * (max - min);
        return ParameterText.ofFloat(Math.min(max, x));
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
        return "random sampling" + stopping.describe();
    }
}
