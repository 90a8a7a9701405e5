package io.jenkins.plugins.cd4ml.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.model.LocalModelStore;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quality gate: bounds, and regression against the previous model in a real local model store. */
class QualityGateTest {

    private static ProjectConfig project(Path dir, String gate) {
        TestProjects.project(dir, "print('accuracy=1')\n", "");
        TestProjects.write(dir.resolve("config.yaml"), readConfig(dir) + "quality_gate:\n" + gate.indent(2));
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    private static String readConfig(Path dir) {
        try {
            return Files.readString(dir.resolve("config.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ModelManifest manifest(String version, Instant created, Map<String, Double> metrics) {
        return new ModelManifest(ModelManifest.SCHEMA, "demo", version, "sha256:" + version, created, Optional.empty(),
                "y", List.of(), Optional.empty(), List.of(), Map.of(), metrics,
                new ModelManifest.BackendInfo("local", "pid-1"), "run-" + version);
    }

    /** Stores a model the way training does (archive + model.json, LATEST moved). */
    static void store(ProjectConfig config, ModelManifest manifest) throws Exception {
        Path archive = Files.createTempFile("model", ".tar.gz");
        try {
            Files.writeString(archive, "not read by the gate");
            new LocalModelStore(config.resolve(config.train().output())).store(archive, manifest);
        } finally {
            Files.delete(archive);
        }
    }

    @Nested
    class Bounds {

        @Test
        void passesWhenEveryMetricIsWithinItsBounds(@TempDir Path tmp) {
            ProjectConfig config = project(tmp, "metrics: {accuracy: {min: 0.9}, loss: {max: 0.3}}");
            GateResult result = QualityGate.forProject(config).check(manifest("aaaaaaaaaaaa", Instant.now(),
                    Map.of("accuracy", 0.93, "loss", 0.2)));
            assertThat(result.passed()).isTrue();
            assertThat(result.checks()).extracting(MetricCheck::metric, MetricCheck::rule, MetricCheck::verdict)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("accuracy", "min 0.9", "passed"),
                            org.assertj.core.groups.Tuple.tuple("loss", "max 0.3", "passed"));
        }

        @Test
        void failsOnAThresholdAndSaysByHowMuch(@TempDir Path tmp) {
            ProjectConfig config = project(tmp, "metrics: {accuracy: {min: 0.9}, loss: {max: 0.3}}");
            GateResult result = QualityGate.forProject(config).check(manifest("aaaaaaaaaaaa", Instant.now(),
                    Map.of("accuracy", 0.85, "loss", 0.2)));
            assertThat(result.passed()).isFalse();
            assertThat(result.failures()).singleElement().satisfies(c -> {
                assertThat(c.metric()).isEqualTo("accuracy");
                assertThat(c.value()).isEqualTo(0.85);
                assertThat(c.verdict()).isEqualTo("0.05 below min 0.9");
            });
            assertThat(result.summary()).isEqualTo("model aaaaaaaaaaaa failed: accuracy=0.85: 0.05 below min 0.9");
        }

        @Test
        void aMetricTheModelDidNotReportFails(@TempDir Path tmp) {
            ProjectConfig config = project(tmp, "metrics: {f1: {min: 0.5}}");
            GateResult result = QualityGate.forProject(config).check(manifest("aaaaaaaaaaaa", Instant.now(),
                    Map.of("accuracy", 0.99)));
            assertThat(result.passed()).isFalse();
            assertThat(result.failures().get(0).verdict()).isEqualTo("not reported by the model");
        }
    }

    @Nested
    class ComparedWithThePreviousModel {

        @Test
        void failsOnARegressionAgainstTheStoredPreviousModel(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, """
                    metrics: {accuracy: {min: 0.8}}
                    compare_to: previous
                    max_regression: 0.01
                    """);
            store(config, manifest("111111111111", Instant.parse("2026-01-01T00:00:00Z"), Map.of("accuracy", 0.95)));
            ModelManifest candidate = manifest("222222222222", Instant.parse("2026-01-02T00:00:00Z"),
                    Map.of("accuracy", 0.92));
            store(config, candidate);

            GateResult result = QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null))
                    .check(candidate);

            assertThat(result.passed()).isFalse();
            assertThat(result.comparedTo()).isEqualTo("previous 111111111111");
            MetricCheck failed = result.failures().get(0);
            assertThat(failed.rule()).isEqualTo("previous 0.95 (may drop 0.01)");
            assertThat(failed.reference()).isEqualTo(0.95);
            assertThat(failed.verdict()).isEqualTo("0.03 below the previous model's 0.95, 0.02 more than the allowed 0.01");
        }

        @Test
        void aRegressionWithinAPercentageAllowancePasses(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, """
                    metrics: {accuracy: {min: 0.8}}
                    compare_to: previous
                    max_regression: 5%
                    """);
            store(config, manifest("111111111111", Instant.parse("2026-01-01T00:00:00Z"), Map.of("accuracy", 0.95)));
            ModelManifest candidate = manifest("222222222222", Instant.parse("2026-01-02T00:00:00Z"),
                    Map.of("accuracy", 0.92));

            GateResult result = QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null))
                    .check(candidate);

            assertThat(result.passed()).isTrue();
            assertThat(result.checks()).extracting(MetricCheck::rule)
                    .containsExactly("min 0.8", "previous 0.95 (may drop 5%)");
        }

        @Test
        void withoutMaxRegressionAnyDropFailsAndLowerIsBetterForAMaxOnlyMetric(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, """
                    metrics: {loss: {max: 1}}
                    compare_to: previous
                    """);
            store(config, manifest("111111111111", Instant.parse("2026-01-01T00:00:00Z"), Map.of("loss", 0.2)));
            GateResult worse = QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null))
                    .check(manifest("222222222222", Instant.parse("2026-01-02T00:00:00Z"), Map.of("loss", 0.25)));
            GateResult better = QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null))
                    .check(manifest("333333333333", Instant.parse("2026-01-02T00:00:00Z"), Map.of("loss", 0.15)));
            assertThat(worse.passed()).isFalse();
            assertThat(worse.failures().get(0).verdict()).isEqualTo("0.05 above the previous model's 0.2");
            assertThat(better.passed()).isTrue();
        }

        @Test
        void theFirstModelHasNothingToCompareWithAndPasses(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, "metrics: {accuracy: {min: 0.8}}\ncompare_to: previous\n");
            ModelManifest candidate = manifest("222222222222", Instant.now(), Map.of("accuracy", 0.9));
            store(config, candidate);
            GateResult result = QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null))
                    .check(candidate);
            assertThat(result.passed()).isTrue();
            assertThat(result.comparedTo()).isNull();
            assertThat(result.comparison()).startsWith("no previous model to compare with");
        }

        @Test
        void theModelsOfTheSameTuneAreNeverThePreviousModel(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, "metrics: {accuracy: {min: 0.5}}\ncompare_to: previous\n");
            store(config, manifest("111111111111", Instant.parse("2026-01-01T00:00:00Z"), Map.of("accuracy", 0.9)));
            store(config, manifest("aaaaaaaaaaaa", Instant.parse("2026-01-02T00:00:00Z"), Map.of("accuracy", 0.99)));
            ModelManifest best = manifest("bbbbbbbbbbbb", Instant.parse("2026-01-02T00:01:00Z"), Map.of("accuracy", 0.95));
            store(config, best);

            GateResult result = QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null)
                    .excluding(List.of("aaaaaaaaaaaa", "bbbbbbbbbbbb"))).check(best);

            assertThat(result.comparedTo()).isEqualTo("previous 111111111111");
            assertThat(result.passed()).isTrue();
        }

        @Test
        void comparingWithTheDeployedModelNeedsAWayToFindIt(@TempDir Path tmp) {
            project(tmp, "metrics: {accuracy: {min: 0.5}}");
            TestProjects.write(tmp.resolve("config.yaml"), readConfig(tmp) + "  compare_to: deployed:staging\n"
                    + "deploy: {target: local, environments: {staging: {}}}\n");
            ProjectConfig config = ConfigLoader.forProject(tmp).withEnvironment(Map.of()).load();
            assertThatThrownBy(() -> QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null))
                    .check(manifest("bbbbbbbbbbbb", Instant.now(), Map.of("accuracy", 0.9))))
                    .isInstanceOfSatisfying(Cd4mlException.class, e -> assertThat(e.isUserError()).isTrue())
                    .hasMessageContaining("compare_to: deployed:staging compares with the deployed model, which this "
                            + "caller cannot look up");
        }
    }

    @Nested
    class MetricsByVersion {

        @Test
        void givesAStoredModelsMetricsAndNothingForWhatTheStoreCannotAnswer(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, "metrics: {accuracy: {min: 0.5}}");
            store(config, manifest("111111111111", Instant.parse("2026-01-01T00:00:00Z"), Map.of("accuracy", 0.9)));

            var metrics = StoredModels.of(config, () -> null).metricsByVersion();

            assertThat(metrics.apply("111111111111")).containsExactly(Map.entry("accuracy", 0.9));
            assertThat(metrics.apply("222222222222")).as("not stored").isEmpty();
            assertThat(metrics.apply("not-a-version")).as("the store refuses it: a listing goes on").isEmpty();
        }
    }
}
