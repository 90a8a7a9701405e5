package io.jenkins.plugins.cd4ml.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import io.jenkins.plugins.cd4ml.testing.Processes;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job as a list of stages: promotion after the gate, refusals, stopping, results that travel. */
class MainJobTest {

    private static final String TRAIN_PY = """
            import os
            open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w").write("w=1")
            print("accuracy=0.95")
            """;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    private static ProjectConfig project(Path dir, String trainPy, String sections) throws Exception {
        TestProjects.project(dir, trainPy, "");
        Files.writeString(dir.resolve("config.yaml"), Files.readString(dir.resolve("config.yaml")) + sections);
        return ConfigLoader.forProject(dir).load();
    }

    private static EngineContext context(List<Event> events, CancelToken cancel) {
        return EngineContext.builder().environment(Map.of("PATH", System.getenv("PATH"))).events(events::add)
                .cancel(cancel).build();
    }

    /** The main job of {@code config} in a context of its own (events kept nowhere, a token nobody cancels). */
    private static MainJob job(ProjectConfig config) {
        return MainJob.forProject(config, context(new CopyOnWriteArrayList<>(), new CancelToken()));
    }

    /** The run's model is what LATEST names now. */
    private static void assertPromoted(Path project, RunResult result) throws Exception {
        assertThat(Files.readString(project.resolve(".cd4ml/models/demo/LATEST")).strip())
                .isEqualTo(result.training().orElseThrow().modelVersion());
    }

    private static StageStatus status(RunResult result, String stage) {
        return result.stages().stream().filter(s -> s.name().equals(stage)).findFirst().orElseThrow().status();
    }

    @Nested
    class Promotion {

        @Test
        void withoutAGateTheTrainedModelIsPromoted(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, "");

            RunResult result = job(config).call();

            assertThat(result.succeeded()).as(String.valueOf(result.error())).isTrue();
            assertThat(result.stages()).extracting(StageResult::name)
                    .containsExactly("validate", "train", "tune", "gate", "promote", "image", "deploy");
            assertThat(status(result, "promote")).isEqualTo(StageStatus.SUCCEEDED);
            assertPromoted(tmp, result);
        }

        @Test
        void aModelThatPassesTheGateIsPromoted(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, "quality_gate:\n  metrics: {accuracy: {min: 0.9}}\n");

            RunResult result = job(config).call();

            assertThat(result.succeeded()).as(String.valueOf(result.error())).isTrue();
            assertThat(status(result, "gate")).isEqualTo(StageStatus.SUCCEEDED);
            assertThat(status(result, "promote")).isEqualTo(StageStatus.SUCCEEDED);
            assertPromoted(tmp, result);
        }

        @Test
        void aModelThatFailsTheGateFailsTheRunAndIsNeitherPromotedNorBuiltNorPushed(@TempDir Path tmp)
                throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, """
                    quality_gate:
                      metrics: {accuracy: {min: 0.99}}
                    serve:
                      image: {repository: 127.0.0.1:9/cd4ml-test/never-pushed, tag: '{model_version}'}
                    """);

            RunResult result = job(config).requesting("image").withImage(image -> image.withPush(true)).call();

            assertThat(result.status()).isEqualTo(RunResult.FAILED);
            assertThat(status(result, "gate")).isEqualTo(StageStatus.FAILED);
            assertThat(status(result, "promote")).isEqualTo(StageStatus.NOT_RUN);
            assertThat(status(result, "image")).isEqualTo(StageStatus.NOT_RUN);
            assertThat(result.error()).hasValueSatisfying(e -> assertThat(e).contains("accuracy"));
            assertThat(result.image()).isEmpty();
            assertThat(Path.of(java.net.URI.create(result.training().orElseThrow().modelUri()))).exists();
            assertThat(tmp.resolve(".cd4ml/models/demo/LATEST")).doesNotExist();
        }

        @Test
        void withATuneSectionTheTuneReplacesTrainingAndTheGateChecksItsBestModel(@TempDir Path tmp)
                throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, """
                    tune:
                      objective: {metric: accuracy, goal: maximize}
                      strategy: random
                      max_trials: 2
                      parallel_trials: 2
                      parameters:
                        depth: {type: int, min: 2, max: 8}
                    quality_gate:
                      metrics: {accuracy: {min: 0.9}}
                    """);

            RunResult result = job(config).call();

            assertThat(result.succeeded()).as(String.valueOf(result.error())).isTrue();
            assertThat(status(result, "train")).isEqualTo(StageStatus.SKIPPED);
            assertThat(status(result, "tune")).isEqualTo(StageStatus.SUCCEEDED);
            assertThat(status(result, "gate")).isEqualTo(StageStatus.SUCCEEDED);
            assertThat(status(result, "promote")).isEqualTo(StageStatus.SUCCEEDED);
            assertPromoted(tmp, result);
        }
    }

    @Nested
    class Deploy {

        private static final String DEPLOY = """
                deploy:
                  target: local
                  release: demo
                """;

        @Test
        void aDeployNotRequestedIsSkipped(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, DEPLOY);

            RunResult result = job(config).call();

            assertThat(result.succeeded()).as(String.valueOf(result.error())).isTrue();
            assertThat(status(result, "deploy")).isEqualTo(StageStatus.SKIPPED);
            assertThat(result.stages().get(6).summary()).contains("not requested");
        }

        @Test
        void aRequestedDeployToAnUnknownEnvironmentFailsBeforeTraining(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, DEPLOY);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> job(config).withEnvironment("nowhere")
                    .requesting("deploy").call()).hasMessageContaining("nowhere");
            assertThat(tmp.resolve(".cd4ml/runs")).as("nothing was trained").doesNotExist();
        }
    }

    @Nested
    class Refusals {

        @Test
        void aRequestedStageThisVersionCannotRunFailsTheRunBeforeTraining(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, """
                    tune:
                      objective: {metric: accuracy, goal: maximize}
                      parameters:
                        depth: {type: int, min: 2, max: 8}
                    """);

            RunResult result = job(config)
                    .withStages(List.of(new ValidateStage(), new TrainStage(t -> t),
                            new NotAvailableStage("tune", c -> c.tune().isPresent(), "tune", false)))
                    .requesting("tune").call();

            assertThat(result.status()).isEqualTo(RunResult.FAILED);
            assertThat(status(result, "tune")).isEqualTo(StageStatus.FAILED);
            assertThat(status(result, "train")).isEqualTo(StageStatus.NOT_RUN);
            assertThat(result.error()).hasValueSatisfying(e -> assertThat(e).contains("configured and requested",
                    "cannot run the tune stage"));
            assertThat(tmp.resolve(".cd4ml/runs")).as("nothing was trained").doesNotExist();
        }

        @Test
        void pushingAModelThatAConfiguredGateCannotCheckFailsBeforeTrainingAndShipsNothing(@TempDir Path tmp)
                throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, """
                    quality_gate:
                      metrics: {accuracy: {min: 0.9}}
                    serve:
                      image: {repository: 127.0.0.1:9/cd4ml-test/never-pushed, tag: '{model_version}'}
                    """);

            RunResult result = job(config)
                    .withStages(List.of(new ValidateStage(), new TrainStage(t -> t),
                            new NotAvailableStage("gate", c -> c.qualityGate().isPresent(), "quality_gate", true),
                            new ImageStage(image -> image.withPush(true), Optional.empty())))
                    .requesting("image").call();

            assertThat(result.status()).isEqualTo(RunResult.FAILED);
            assertThat(status(result, "image")).isEqualTo(StageStatus.FAILED);
            assertThat(status(result, "train")).isEqualTo(StageStatus.NOT_RUN);
            assertThat(result.error()).hasValueSatisfying(e -> assertThat(e).contains("cannot ship the model",
                    "gate stage is configured"));
            assertThat(result.image()).isEmpty();
            assertThat(tmp.resolve(".cd4ml/runs")).doesNotExist();
        }
    }

    @Nested
    class Stopping {

        @Test
        void cancellingTheTokenStopsTrainingAndReportsTheRunAsStopped(@TempDir Path tmp) throws Exception {
            Path pids = tmp.resolve("pids.txt");
            ProjectConfig config = project(tmp.resolve("p"), """
                    import os, time
                    open(%s, "w").write(str(os.getpid()))
                    time.sleep(300)
                    """.formatted("'" + pids + "'"), "");
            CancelToken cancel = new CancelToken();
            List<Event> events = new CopyOnWriteArrayList<>();
            AtomicReference<RunResult> result = new AtomicReference<>();
            Thread runner = new Thread(() -> result.set(MainJob.forProject(config, context(events, cancel)).call()));
            runner.start();
            for (int i = 0; i < 300 && (!Files.exists(pids) || Files.readString(pids).isBlank()); i++) {
                Thread.sleep(100);
            }
            long pid = Long.parseLong(Files.readString(pids).strip());

            cancel.cancel();
            runner.join(TimeUnit.SECONDS.toMillis(60));

            assertThat(runner.isAlive()).isFalse();
            assertThat(result.get().status()).isEqualTo(RunResult.STOPPED);
            assertThat(result.get().stopped()).isTrue();
            assertThat(status(result.get(), "train")).isEqualTo(StageStatus.STOPPED);
            assertThat(status(result.get(), "promote")).isEqualTo(StageStatus.NOT_RUN);
            assertThat(result.get().error()).hasValueSatisfying(e -> assertThat(e).contains("stopped",
                    "training process " + pid));
            assertThat(events).anySatisfy(e -> assertThat(e).isEqualTo(new Event.StageFinished("train",
                    StageStatus.STOPPED, result.get().error().orElseThrow())));
            Processes.assertGone(pid);
        }
    }

    @Nested
    class Results {

        @Test
        void aRunResultTravelsByJavaSerializationAndKeepsItsJsonShape(@TempDir Path tmp) throws Exception {
            ProjectConfig config = project(tmp, TRAIN_PY, "");
            List<Event> events = new CopyOnWriteArrayList<>();
            RunResult result = MainJob.forProject(config, context(events, new CancelToken())).call();

            RunResult copy = (RunResult) roundTrip(result);
            assertThat(copy.status()).isEqualTo(result.status());
            assertThat(copy.stages()).isEqualTo(result.stages());
            TrainingResult training = copy.training().orElseThrow();
            assertThat(training).isEqualTo(result.training().orElseThrow());
            assertThat(training.manifest().git()).isEqualTo(result.training().orElseThrow().manifest().git());
            for (Event event : events) {
                assertThat(roundTrip(event)).isEqualTo(event);
            }
            var json = Json.mapper().readTree(Json.mapper().writeValueAsString(copy));
            assertThat(json.get("status").asText()).isEqualTo("succeeded");
            assertThat(json.get("training").get("model_version").asText()).isEqualTo(training.modelVersion());
            assertThat(json.get("training").get("manifest").get("run_id").asText()).isEqualTo(training.runId());
            assertThat(json.has("error")).isFalse();
            assertThat(json.has("outputs")).isFalse();
            assertThat(copy.report()).isEqualTo(result.report());
            assertThat(json.get("report").asText()).isEqualTo(tmp.resolve(".cd4ml/runs").resolve(training.runId())
                    .resolve("report.html").toString());
            assertThat(Path.of(json.get("report").asText())).isRegularFile();
        }

        private static Object roundTrip(Object value) throws Exception {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(value);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                return in.readObject();
            }
        }
    }
}
