package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.cli.CliTest.Outcome;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cd4ml tune and cd4ml gate: trial table, gate table, exit codes, JSON. */
class TuneGateCliTest {

    /** Prints accuracy = the hyperparameter {@code a}: a known objective. */
    private static final String TRAIN_PY = """
            import json, os
            hp = json.loads(os.environ["SM_HPS"])
            print("accuracy=" + str(hp["a"]), flush=True)
            open(os.path.join(os.environ["SM_MODEL_DIR"], "m.txt"), "w").write(str(hp["a"]))
            """;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    private static Path project(Path dir, String sections) {
        TestProjects.project(dir, TRAIN_PY, "");
        TestProjects.replaceIn(dir.resolve("config.yaml"), "hyperparameters: {alpha: 0.5, depth: 3, flag: true}",
                "hyperparameters: {a: '0.5'}");
        try {
            Files.writeString(dir.resolve("config.yaml"), Files.readString(dir.resolve("config.yaml")) + sections);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    private static final String TUNE = """
            tune:
              objective: {metric: accuracy, goal: maximize}
              strategy: grid
              max_trials: 3
              parallel_trials: 2
              parameters:
                a: {type: categorical, values: ['0.7', '0.95', '0.8']}
            """;

    @Nested
    class Tune {

        @Test
        void showsOneLinePerFinishedTrialThenTheTableGateAndPromotion(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, TUNE + "quality_gate:\n  metrics: {accuracy: {min: 0.9}}\n");

            Outcome o = CliTest.cd4ml("tune", p.toString());

            assertThat(o.exitCode()).as(o.err()).isEqualTo(0);
            assertThat(o.out()).contains("#  status", "accuracy", "  a  ", "3 trials: 3 completed, 0 pruned, 0 failed",
                    "best trial     ", "accuracy=0.95", "Quality gate of model", "passed", "min 0.9",
                    "is now the current model (LATEST)");
            assertThat(o.out().lines().filter(l -> l.matches("[ *]\\s+\\d+  completed.*"))).hasSize(6);
            String best = o.out().lines().filter(l -> l.startsWith("  model version")).findFirst().orElseThrow()
                    .replace("  model version", "").strip();
            assertThat(Files.readString(p.resolve(".cd4ml/models/demo/LATEST")).strip()).isEqualTo(best);
        }

        @Test
        void printsTheTrialsAsJson(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, TUNE);

            Outcome o = CliTest.cd4ml("tune", "--json", p.toString());

            assertThat(o.exitCode()).as(o.err()).isEqualTo(0);
            JsonNode json = o.json();
            assertThat(json.get("status").asText()).isEqualTo("succeeded");
            assertThat(json.get("trials")).hasSize(3);
            assertThat(json.at("/best/value").asDouble()).isEqualTo(0.95);
            assertThat(json.at("/trials/0/status").asText()).isEqualTo("completed");
            assertThat(json.get("promoted").asText()).isEqualTo(json.get("model_version").asText());
        }

        @Test
        void aBestModelBelowTheGateExitsOneAndIsNotPromoted(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, TUNE + "quality_gate:\n  metrics: {accuracy: {min: 0.99}}\n");

            Outcome o = CliTest.cd4ml("tune", p.toString());

            assertThat(o.exitCode()).isEqualTo(1);
            assertThat(o.out()).contains("FAILED: 0.04 below min 0.99");
            assertThat(o.err()).contains("the best model failed the quality gate");
            assertThat(o.out()).doesNotContain("is now the current model");
        }

        @Test
        void aProjectWithoutATuneSectionIsAUsageError(@TempDir Path tmp) {
            Outcome o = CliTest.cd4ml("tune", project(tmp, "").toString());
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("has no tune section", "add a tune section");
        }
    }

    @Nested
    class Gate {

        @Test
        void failsWithATableAndExitOneAgainstAStoredPreviousModel(@TempDir Path tmp) {
            Path p = project(tmp, """
                    quality_gate:
                      metrics: {accuracy: {min: 0.5}}
                      compare_to: previous
                      max_regression: 0.05
                    """);
            assertThat(CliTest.cd4ml("train", "-p", "a=0.9", p.toString()).exitCode()).isEqualTo(0);
            assertThat(CliTest.cd4ml("train", "-p", "a=0.8", p.toString()).exitCode()).isEqualTo(0);

            Outcome o = CliTest.cd4ml("gate", p.toString());

            assertThat(o.exitCode()).isEqualTo(1);
            assertThat(o.out()).contains("metric", "value", "rule", "verdict", "min 0.5", "passed",
                    "previous 0.9 (may drop 0.05)", "FAILED: 0.1 below the previous model's 0.9, 0.05 more than the "
                            + "allowed 0.05");
            assertThat(o.err()).contains("failed: accuracy=0.8: 0.1 below");
        }

        @Test
        void passesAModelNamedByVersion(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, "quality_gate:\n  metrics: {accuracy: {min: 0.5}}\n");
            Outcome trained = CliTest.cd4ml("train", "--json", "-p", "a=0.9", p.toString());
            String version = trained.json().get("model_version").asText();

            Outcome o = CliTest.cd4ml("gate", "--json", "--model", version, p.toString());

            assertThat(o.exitCode()).isEqualTo(0);
            assertThat(o.json().get("passed").asBoolean()).isTrue();
            assertThat(o.json().get("status").asText()).isEqualTo("passed");
            assertThat(o.json().get("model_version").asText()).isEqualTo(version);
        }

        @Test
        void promoteMakesOnlyAPassingModelLatest(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, "quality_gate:\n  metrics: {accuracy: {min: 0.85}}\n");
            Path latest = p.resolve(".cd4ml/models/demo/LATEST");
            String good = CliTest.cd4ml("train", "--json", "--no-promote", "-p", "a=0.9", p.toString()).json()
                    .get("model_version").asText();
            String bad = CliTest.cd4ml("train", "--json", "--no-promote", "-p", "a=0.8", p.toString()).json()
                    .get("model_version").asText();
            assertThat(latest).as("stored, not promoted").doesNotExist();

            Outcome failed = CliTest.cd4ml("gate", "--json", "--promote", "--model", bad, p.toString());
            assertThat(failed.exitCode()).isEqualTo(1);
            assertThat(failed.json().path("promoted").asText(null)).isNull();
            assertThat(latest).as("a model that failed is never promoted").doesNotExist();

            Outcome passed = CliTest.cd4ml("gate", "--json", "--promote", "--model", good, p.toString());
            assertThat(passed.exitCode()).isEqualTo(0);
            assertThat(passed.json().get("promoted").asText()).isEqualTo(good);
            assertThat(Files.readString(latest).strip()).isEqualTo(good);

            Outcome human = CliTest.cd4ml("gate", "--model", good, p.toString());
            assertThat(human.out()).doesNotContain("promoted");
        }

        @Test
        void anUnknownModelIsAUsageError(@TempDir Path tmp) {
            Path p = project(tmp, "quality_gate:\n  metrics: {accuracy: {min: 0.5}}\n");
            Outcome o = CliTest.cd4ml("gate", "--model", "0123456789ab", p.toString());
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.err()).contains("there is no model 0123456789ab of demo");
        }
    }

    @Nested
    class Run {

        @Test
        void writesTheRunReportNextToTheTuneAndNamesItInTheJson(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, TUNE + "quality_gate:\n  metrics: {accuracy: {min: 0.9}}\n");

            Outcome o = CliTest.cd4ml("run", "--json", p.toString());

            assertThat(o.exitCode()).as(o.err()).isEqualTo(0);
            JsonNode json = o.json();
            String tuneId = json.at("/tune/tune_id").asText();
            Path report = Path.of(json.get("report").asText());
            assertThat(report).isEqualTo(p.toAbsolutePath().resolve(".cd4ml/runs").resolve(tuneId)
                    .resolve("report.html"));
            assertThat(report.resolveSibling("report.css")).isRegularFile();
            assertThat(p.resolve(".cd4ml/report/report.html")).hasSameTextualContentAs(report);
            String html = Files.readString(report);
            assertThat(html).contains("<section id=\"stages\">", "<section id=\"tune\">",
                    "Quality gate: <span class=\"status passed\">passed", "run <span class=\"status succeeded\">");
            for (String stage : new String[] {"validate", "train", "tune", "gate", "promote", "image", "deploy"}) {
                assertThat(html).contains("<tr><td>" + stage + "</td>");
            }
            assertThat(html.split("<tr class=\"trial", -1)).as("a row per trial").hasSize(3 + 1);
            assertThat(html).contains("Model " + json.at("/training/model_version").asText());
        }

        @Test
        void aFailedGateStillWritesTheReportAndTheSummaryNamesIt(@TempDir Path tmp) throws Exception {
            Path p = project(tmp, "quality_gate:\n  metrics: {accuracy: {min: 0.99}}\n");

            Outcome o = CliTest.cd4ml("run", p.toString());

            assertThat(o.exitCode()).isEqualTo(1);
            String line = o.out().lines().filter(l -> l.startsWith("  report ")).findFirst().orElseThrow();
            Path report = Path.of(line.replace("  report", "").strip());
            assertThat(report.getParent().getParent()).isEqualTo(p.toAbsolutePath().resolve(".cd4ml/runs"));
            assertThat(Files.readString(report)).contains("Quality gate: <span class=\"status failed\">failed",
                    "0.49 below min 0.99", "run <span class=\"status failed\">", "<section id=\"model\">")
                    .doesNotContain("<section id=\"tune\">");
        }
    }
}
