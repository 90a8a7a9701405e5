import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.tune.Search;
import io.jenkins.plugins.cd4ml.tune.Searches;
import io.jenkins.plugins.cd4ml.tune.Suggestion;
import io.jenkins.plugins.cd4ml.tune.TrialStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Trials-to-target of the bayesian strategy (Optuna TPE, through the engine's own search) against
 * random search, on a known objective, over many seeds. Run by bench/run-tuning.sh with the CLI jar
 * on the class path:  java -cp target/cd4ml-*-cli.jar bench/TuneStrategyBench.java SEEDS MAX_TRIALS
 *
 * Objective (maximize): 1 - ((x - 0.73)^2 + (y - 0.31)^2 + ((log10(lr) + 2.7) / 5)^2 + (depth - 9)^2 / 400),
 * x, y in [0, 1], lr in [1e-5, 1] (log scale), depth int in [1, 20]; optimum 1. Target: 0.95.
 * Prints one line per seed (seed, trials random needed, trials bayesian needed) as TSV; a strategy
 * that never reaches the target in MAX_TRIALS counts as MAX_TRIALS + 1.
 */
public class TuneStrategyBench {

    static final double TARGET = 0.95;

    public static void main(String[] args) {
        int seeds = Integer.parseInt(args[0]);
        int maxTrials = Integer.parseInt(args[1]);
        System.out.println("seed\trandom\tbayesian");
        for (int seed = 1; seed <= seeds; seed++) {
            int random = trialsToTarget("random", seed, maxTrials);
            int bayesian = trialsToTarget("bayesian", seed, maxTrials);
            System.out.println(seed + "\t" + random + "\t" + bayesian);
        }
    }

    static double objective(Map<String, String> p) {
        double x = Double.parseDouble(p.get("x"));
        double y = Double.parseDouble(p.get("y"));
        double lr = Double.parseDouble(p.get("lr"));
        int depth = Integer.parseInt(p.get("depth"));
        return 1 - (Math.pow(x - 0.73, 2) + Math.pow(y - 0.31, 2) + Math.pow((Math.log10(lr) + 2.7) / 5, 2)
                + Math.pow(depth - 9, 2) / 400.0);
    }

    static int trialsToTarget(String strategy, long seed, int maxTrials) {
        Map<String, TuneConfig.Parameter> parameters = new LinkedHashMap<>();
        parameters.put("x", range("float", 0, 1, "linear"));
        parameters.put("y", range("float", 0, 1, "linear"));
        parameters.put("lr", range("float", 1e-5, 1, "log"));
        parameters.put("depth", range("int", 1, 20, "linear"));
        TuneConfig tune = new TuneConfig("score", TuneConfig.Goal.MAXIMIZE, strategy, maxTrials, 1, "off", parameters,
                seed, Optional.empty(), true, List.of());
        try (Search search = Searches.create(tune, System.getenv())) {
            for (int trial = 1; trial <= maxTrials; trial++) {
                Suggestion s = search.ask();
                double value = objective(s.parameters());
                search.tell(s.number(), TrialStatus.COMPLETED, value);
                if (value >= TARGET) {
                    return trial;
                }
            }
        }
        return maxTrials + 1;
    }

    static TuneConfig.Parameter range(String type, double min, double max, String scale) {
        return new TuneConfig.Parameter(type, Optional.of(min), Optional.of(max), scale, new ArrayList<>());
    }
}
