package io.jenkins.plugins.cd4ml.tune;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.config.TuneConfig;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The Java searches (grid, random) and the median stopping rule, without trials. */
class SearchTest {

    private static TuneConfig tune(String strategy, String earlyStopping, Map<String, TuneConfig.Parameter> parameters) {
        return new TuneConfig("score", TuneConfig.Goal.MAXIMIZE, strategy, 50, 1, earlyStopping, parameters, 42,
                Optional.empty(), true, List.of());
    }

    private static TuneConfig.Parameter range(String type, double min, double max, String scale) {
        return new TuneConfig.Parameter(type, Optional.of(min), Optional.of(max), scale, List.of());
    }

    @Nested
    class Grid {

        @Test
        void spreadsALargeLogRangeOverTenPointsOnItsScale() {
            assertThat(GridSearch.points(range("int", 10, 1000, "log")))
                    .containsExactly("10", "17", "28", "46", "77", "129", "215", "359", "599", "1000");
        }

        @Test
        void visitsEveryCombinationOnceThenEnds() {
            Map<String, TuneConfig.Parameter> parameters = new LinkedHashMap<>();
            parameters.put("n", range("int", 1, 3, "linear"));
            parameters.put("c", new TuneConfig.Parameter("categorical", Optional.empty(), Optional.empty(), "linear",
                    List.of("x", "y")));
            GridSearch grid = new GridSearch(tune("grid", "off", parameters));
            Set<Map<String, String>> seen = new HashSet<>();
            Suggestion s;
            while ((s = grid.ask()) != null) {
                assertThat(seen.add(s.parameters())).isTrue();
            }
            assertThat(seen).hasSize(6);
        }
    }

    @Nested
    class Random {

        @Test
        void staysInsideLogAndLinearRangesAndCoversBothEnds() {
            Map<String, TuneConfig.Parameter> parameters = new LinkedHashMap<>();
            parameters.put("n", range("int", 1, 100, "log"));
            parameters.put("lr", range("float", 1e-4, 1e-1, "log"));
            RandomSearch random = new RandomSearch(tune("random", "off", parameters));
            int small = 0;
            for (int i = 0; i < 400; i++) {
                Map<String, String> p = random.ask().parameters();
                int n = Integer.parseInt(p.get("n"));
                double lr = Double.parseDouble(p.get("lr"));
                assertThat(n).isBetween(1, 100);
                assertThat(lr).isBetween(1e-4, 1e-1);
                small += n < 10 ? 1 : 0;
            }
            // log-uniform: about half of the draws below 10 on [1, 100] (a linear draw would give 9%)
            assertThat(small).isBetween(140, 260);
        }

        @Test
        void theSameSeedSuggestsTheSameValues() {
            Map<String, TuneConfig.Parameter> parameters = Map.of("x", range("float", 0, 1, "linear"));
            RandomSearch a = new RandomSearch(tune("random", "off", parameters));
            RandomSearch b = new RandomSearch(tune("random", "off", parameters));
            for (int i = 0; i < 5; i++) {
                assertThat(a.ask()).isEqualTo(b.ask());
            }
        }
    }

    @Nested
    class MedianRule {

        @Test
        void stopsATrialBelowTheMedianOnlyAfterFiveCompletedTrials() {
            MedianStopping rule = MedianStopping.forTune(tune("random", "auto", Map.of()));
            for (int trial = 0; trial < 5; trial++) {
                assertThat(rule.report(trial, 1, 0.5 + trial * 0.1)).isFalse();
                assertThat(rule.report(99, 1, 0.0)).as("fewer than five completed").isFalse();
                rule.finished(trial, TrialStatus.COMPLETED);
            }
            assertThat(rule.report(5, 1, 0.65)).as("below the median 0.7").isTrue();
            assertThat(rule.report(6, 1, 0.75)).isFalse();
        }

        @Test
        void isOffUnlessEarlyStoppingIsAuto() {
            MedianStopping rule = MedianStopping.forTune(tune("random", "off", Map.of()));
            for (int trial = 0; trial < 6; trial++) {
                rule.report(trial, 1, 1.0);
                rule.finished(trial, TrialStatus.COMPLETED);
            }
            assertThat(rule.report(7, 1, 0.0)).isFalse();
        }
    }
}
