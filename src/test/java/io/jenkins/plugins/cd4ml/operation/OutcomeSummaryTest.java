package io.jenkins.plugins.cd4ml.operation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The headline figures a build page shows, read from each operation's {@code --json} document. */
class OutcomeSummaryTest {

    static Map<String, Object> json(String text) throws Exception {
        return Json.mapper().readValue(text, new TypeReference<Map<String, Object>>() { });
    }

    @Nested
    class Documents {

        @Test
        void aTrainDocumentGivesVersionAndMetrics() throws Exception {
            OutcomeSummary s = OutcomeSummary.of(json("""
                    {"run_id": "r1", "model_version": "1f0c2a", "metrics": {"accuracy": 0.97, "f1": 1}}"""));
            assertThat(s.modelVersion()).isEqualTo("1f0c2a");
            assertThat(s.metrics()).containsExactly(Map.entry("accuracy", 0.97), Map.entry("f1", 1.0));
            assertThat(s.gate()).isNull();
            assertThat(s.imageReference()).isNull();
        }

        @Test
        void anImageDocumentGivesReferenceDigestAndModel() throws Exception {
            OutcomeSummary s = OutcomeSummary.of(json("""
                    {"reference": "localhost:5000/iris:abc", "digest": "sha256:12", "image_id": "sha256:34",
                     "model_version": "1f0c2a", "pushed": true}"""));
            assertThat(s.imageReference()).isEqualTo("localhost:5000/iris:abc");
            assertThat(s.imageDigest()).isEqualTo("sha256:12");
            assertThat(s.modelVersion()).isEqualTo("1f0c2a");
        }

        @Test
        void aRunDocumentGivesTrainingImageAndTheGateStage() throws Exception {
            OutcomeSummary s = OutcomeSummary.of(json("""
                    {"project": "iris", "status": "succeeded",
                     "stages": [{"name": "train", "status": "succeeded"}, {"name": "gate", "status": "succeeded"}],
                     "training": {"model_version": "abc", "metrics": {"accuracy": 0.9}},
                     "image": {"reference": "r:t", "image_id": "sha256:1"},
                     "report": ".cd4ml/runs/r1/report.html"}"""));
            assertThat(s.modelVersion()).isEqualTo("abc");
            assertThat(s.metrics()).containsEntry("accuracy", 0.9);
            assertThat(s.gate()).isEqualTo("passed");
            assertThat(s.imageReference()).isEqualTo("r:t");
            assertThat(s.imageDigest()).isNull();
            assertThat(s.report()).isEqualTo(".cd4ml/runs/r1/report.html");
        }

        @Test
        void aGateVerdictIsReadFromAGateDocument() throws Exception {
            assertThat(OutcomeSummary.of(json("{\"passed\": false, \"metrics\": []}")).gate()).isEqualTo("failed");
            assertThat(OutcomeSummary.of(json("{\"gate\": {\"passed\": true}}")).gate()).isEqualTo("passed");
        }

        @Test
        void aTuneDocumentGivesTheBestModelAndItsGate() throws Exception {
            OutcomeSummary s = OutcomeSummary.of(json("""
                    {"status": "succeeded", "model_version": "b3", "best_training": {"metrics": {"accuracy": 0.96}},
                     "gate": {"model_version": "b3", "passed": true, "status": "passed"}, "promoted": "b3"}"""));
            assertThat(s.modelVersion()).isEqualTo("b3");
            assertThat(s.metrics()).containsEntry("accuracy", 0.96);
            assertThat(s.gate()).isEqualTo("passed");
        }

        @Test
        void aDeployDocumentGivesTheImageItDeployed() throws Exception {
            OutcomeSummary s = OutcomeSummary.of(json("""
                    {"operation": "deploy", "environment": "staging", "image": "r/iris@sha256:9", "model_version": "m1",
                     "status": "deployed"}"""));
            assertThat(s.imageReference()).isEqualTo("r/iris@sha256:9");
            assertThat(s.modelVersion()).isEqualTo("m1");
        }

        @Test
        void anErrorDocumentGivesNothing() throws Exception {
            OutcomeSummary s = OutcomeSummary.of(json("{\"status\": \"error\", \"exit_code\": 2, \"error\": {}}"));
            assertThat(s).isEqualTo(new OutcomeSummary(null, Map.of(), null, null, null, null));
        }
    }

    @Nested
    class Options {

        @Test
        void groovyValuesBecomePlainJava() {
            CharSequence gstring = new StringBuilder("docker");
            Object plain = OptionValues.plain(Map.of("backend", gstring, "list", new Object[] {1, "a"}));
            assertThat(plain).isEqualTo(Map.of("backend", "docker", "list", List.of(1, "a")));
        }

        @Test
        void hyperparametersBecomeTextAsScriptsReceiveThem() {
            OptionValues values = OptionValues.of(Operation.TRAIN, Map.of("hyperparameters",
                    Map.of("depth", 6, "rate", 0.1, "layers", List.of(32, 16), "name", "gini")));
            assertThat(values.textMap("hyperparameters")).containsEntry("depth", "6").containsEntry("rate", "0.1")
                    .containsEntry("layers", "[32,16]").containsEntry("name", "gini");
        }

        @Test
        void flagsAcceptBooleansAndTheirText() {
            OptionValues values = OptionValues.of(Operation.BUILD_IMAGE, Map.of("push", "true", "noCache", false));
            assertThat(values.flag("push", false)).isTrue();
            assertThat(values.flag("noCache", true)).isFalse();
            assertThat(values.flag("noSuch", true)).isTrue();
        }
    }

    @Nested
    class Lines {

        @Test
        void eventsReadAsTheCliPrintsThem() {
            assertThat(EventText.line(new Event.StageStarted("train", "training on local")))
                    .contains("==> train: training on local");
            assertThat(EventText.line(new Event.StageFinished("tune", StageStatus.NOT_AVAILABLE, "later")))
                    .contains("==> tune: not available - later");
            assertThat(EventText.line(new Event.LogLine("train", "epoch 1"))).contains("  | epoch 1");
            assertThat(EventText.line(new Event.Message(Event.Level.WARNING, "slow"))).contains("warning: slow");
            assertThat(EventText.line(new Event.Message(Event.Level.DEBUG, "noise"))).isEmpty();
        }
    }
}
