package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.model.ContentDigest;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.Processes;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real training runs with Debian's Python: the SageMaker contract, packaging, failures, stopping. */
class LocalTrainingTest {

    private static final String ECHO_CONTRACT = """
            import json, os, sys
            model_dir = os.environ["SM_MODEL_DIR"]
            with open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "hyperparameters.json")) as f:
                from_file = json.load(f)
            seen = {
                "hps_file": from_file,
                "hps_env": json.loads(os.environ["SM_HPS"]),
                "hp_alpha": os.environ["SM_HP_ALPHA"],
                "channel_files": os.listdir(os.environ["SM_CHANNEL_TRAIN"]),
                "channels": json.loads(os.environ["SM_CHANNELS"]),
                "output_data": os.path.isdir(os.environ["SM_OUTPUT_DATA_DIR"]),
                "cwd": os.getcwd(),
                "argv": sys.argv[1:],
            }
            with open(os.path.join(model_dir, "seen.json"), "w") as f:
                json.dump(seen, f, sort_keys=True)
            print("accuracy=0.5")
            print("epoch 2 accuracy=0.75", flush=True)
            print("to stderr", file=sys.stderr)
            with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "metrics.json"), "w") as f:
                json.dump({"loss": 0.25, "note": "ignored"}, f)
            """;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    private static ProjectConfig load(Path dir) {
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    private static Trainer trainer(ProjectConfig config, List<Event> events) {
        return Trainer.forProject(config, TestContexts.context(Map.of("PATH", System.getenv("PATH")), events::add));
    }

    @Nested
    class TheExample {

        @Test
        void trainsTheIrisExampleWithScikitLearnAboveNinetyPercent(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            ProjectConfig config = load(project);
            List<Event> events = new CopyOnWriteArrayList<>();

            TrainingResult result = trainer(config, events).call();

            assertThat(result.metrics().get("accuracy")).isGreaterThanOrEqualTo(0.9);
            assertThat(result.modelVersion()).matches("[0-9a-f]{12}");
            Path archive = Path.of(URI.create(result.modelUri()));
            assertThat(archive).exists().startsWith(project.resolve(".cd4ml/models/iris-classifier"));
            ModelManifest manifest = ModelArchive.readManifest(archive);
            assertThat(manifest.version()).isEqualTo(result.modelVersion());
            assertThat(manifest.project()).isEqualTo("iris-classifier");
            assertThat(manifest.classes()).containsExactly("setosa", "versicolor", "virginica");
            assertThat(manifest.data()).singleElement().satisfies(d -> {
                assertThat(d.channel()).isEqualTo("train");
                assertThat(d.sha256()).isEqualTo(ContentDigest.sha256(
                        Path.of(result.runDirectory()).resolve("input/data/train")));
            });
            assertThat(manifest.hyperparameters()).containsEntry("n_estimators", "100");
            Path extracted = tmp.resolve("extracted");
            ModelArchive.extract(archive, extracted);
            assertThat(extracted.resolve("model.json")).exists();
            assertThat(ContentDigest.sha256(Path.of(result.runDirectory()).resolve("model")))
                    .isEqualTo(manifest.digest().substring("sha256:".length()));
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(Event.LogLine.class));
            assertThat(result.promoted()).isFalse();
            assertThat(project.resolve(".cd4ml/models/iris-classifier/LATEST")).as("stored, not promoted")
                    .doesNotExist();
        }

        @Test
        void recordsTheTrainingLibraryVersionsInModelJson(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));

            TrainingResult result = trainer(load(project), new CopyOnWriteArrayList<>()).call();

            // what the interpreter itself says, through the modules rather than package metadata
            String[] expected = TrainingVersions.ask(TestProjects.PYTHON, "import platform, sklearn, pandas, joblib; "
                    + "print(platform.python_version(), sklearn.__version__, pandas.__version__, joblib.__version__)");
            ModelManifest.TrainingEnvironment environment = ModelArchive.readManifest(
                    Path.of(URI.create(result.modelUri()))).environment().orElseThrow();
            assertThat(environment.python()).isEqualTo(expected[0]);
            assertThat(environment.packages()).as("scikit-learn and requirements.txt's packages").isEqualTo(
                    Map.of("scikit-learn", expected[1], "pandas", expected[2], "joblib", expected[3]));
            Map<String, Object> written = Json.mapper().readValue(
                    Path.of(result.runDirectory()).resolve("model.json").toFile(), new TypeReference<>() { });
            assertThat(written.get("environment")).isEqualTo(Map.of("python", expected[0], "packages",
                    Map.of("scikit-learn", expected[1], "pandas", expected[2], "joblib", expected[3])));
            assertThat(result.manifest().environment()).contains(environment);
        }

        @Test
        void aCommandThatRunsNoPythonRecordsNoVersions(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.project(tmp, "", "command: [sh, -c, 'touch $SM_MODEL_DIR/m']");

            TrainingResult result = trainer(load(project), new CopyOnWriteArrayList<>()).call();

            assertThat(result.manifest().environment()).isEmpty();
            assertThat(Files.readString(Path.of(result.runDirectory()).resolve("model.json")))
                    .doesNotContain("environment");
        }
    }

    @Nested
    class StoreAndPromote {

        private static String writing(String weights) {
            return """
                    import os
                    open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w").write("%s")
                    """.formatted(weights);
        }

        @Test
        void promotingNamesTheModelLatestAndALaterStoredModelLeavesItThere(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.project(tmp.resolve("p"), writing("w=1"), "");
            Path latest = project.resolve(".cd4ml/models/demo/LATEST");

            TrainingResult promoted = trainer(load(project), new CopyOnWriteArrayList<>()).promoting(true).call();
            assertThat(promoted.promoted()).isTrue();
            assertThat(Files.readString(latest).strip()).isEqualTo(promoted.modelVersion());

            TestProjects.write(project.resolve("train.py"), writing("w=2"));
            TrainingResult stored = trainer(load(project), new CopyOnWriteArrayList<>()).call();

            assertThat(stored.modelVersion()).isNotEqualTo(promoted.modelVersion());
            assertThat(Path.of(URI.create(stored.modelUri()))).exists();
            assertThat(stored.promoted()).isFalse();
            assertThat(Files.readString(latest).strip()).as("LATEST still names the promoted model")
                    .isEqualTo(promoted.modelVersion());
        }
    }

    @Nested
    class TheSageMakerContract {

        @Test
        void givesTheScriptHyperparametersAsTheSageMakerToolkitDoesChannelsAndSmVariables(@TempDir Path tmp)
                throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, ECHO_CONTRACT, ""));

            TrainingResult result = trainer(config, new CopyOnWriteArrayList<>())
                    .withHyperparameters(Map.of("depth", "7")).call();

            Map<String, Object> seen = Json.mapper().readValue(
                    Path.of(result.runDirectory()).resolve("model/seen.json").toFile(), new TypeReference<>() { });
            // the file holds text, as SageMaker writes it; the toolkit decodes JSON values for the rest
            assertThat(seen.get("hps_file")).isEqualTo(Map.of("alpha", "0.5", "depth", "7", "flag", "true"));
            assertThat(seen.get("hps_env")).isEqualTo(Map.of("alpha", 0.5, "depth", 7, "flag", true));
            assertThat(seen.get("hp_alpha")).isEqualTo("0.5");
            assertThat(seen.get("argv")).isEqualTo(List.of("--alpha", "0.5", "--depth", "7", "--flag", "True"));
            assertThat(seen.get("channel_files")).isEqualTo(List.of("d.csv"));
            assertThat(seen.get("channels")).isEqualTo(List.of("train"));
            assertThat(seen.get("output_data")).isEqualTo(true);
            assertThat(seen.get("cwd")).isEqualTo(tmp.toRealPath().toString());
        }

        @Test
        void readsMetricsFromTheLogLastValueWinsAndFromMetricsJson(@TempDir Path tmp) {
            ProjectConfig config = load(TestProjects.project(tmp, ECHO_CONTRACT, ""));

            TrainingResult result = trainer(config, new CopyOnWriteArrayList<>()).call();

            assertThat(result.metrics()).containsExactlyInAnyOrderEntriesOf(Map.of("accuracy", 0.75, "loss", 0.25));
        }

        @Test
        void streamsStdoutAndStderrAndKeepsTheLog(@TempDir Path tmp) throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, ECHO_CONTRACT, ""));
            List<Event> events = new CopyOnWriteArrayList<>();

            TrainingResult result = trainer(config, events).call();

            assertThat(events).filteredOn(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e).line())
                    .contains("epoch 2 accuracy=0.75", "to stderr");
            assertThat(Files.readString(Path.of(result.logLocation()))).contains("epoch 2 accuracy=0.75");
        }

        @Test
        void theSameModelGetsTheSameVersion(@TempDir Path tmp) {
            String deterministic = """
                    import os
                    open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w").write("w=1")
                    """;
            ProjectConfig config = load(TestProjects.project(tmp, deterministic, ""));

            TrainingResult first = trainer(config, new CopyOnWriteArrayList<>()).call();
            TrainingResult second = trainer(config, new CopyOnWriteArrayList<>()).call();

            assertThat(second.modelVersion()).isEqualTo(first.modelVersion());
            assertThat(second.runId()).isNotEqualTo(first.runId());
        }
    }

    @Nested
    class Failures {

        @Test
        void reportsTheFailureFileText(@TempDir Path tmp) {
            String failing = TestProjects.trainPyWritingFailure("column 'y' is missing", 1);
            ProjectConfig config = load(TestProjects.project(tmp, failing, ""));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training failed with exit code 1: column 'y' is missing");
        }

        @Test
        void reportsTheExitCodeWithoutAFailureFile(@TempDir Path tmp) {
            ProjectConfig config = load(TestProjects.project(tmp, "import sys\nsys.exit(3)\n", ""));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training failed with exit code 3");
        }

        @Test
        void explainsAnEmptyModelDirectory(@TempDir Path tmp) {
            ProjectConfig config = load(TestProjects.project(tmp, "print('forgot to save')\n", ""));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessageContaining("wrote no model files to SM_MODEL_DIR")
                    .satisfies(e -> assertThat(((TrainingFailedException) e).suggestion()).get().asString()
                            .contains("joblib.dump"));
        }

        @Test
        void stopsAScriptThatExceedsTheTimeout(@TempDir Path tmp) throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, sleeperWritingPid(tmp), "timeout: 4s"));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training exceeded train.timeout (4s) and was stopped");
            Processes.assertGone(readPid(tmp));
        }
    }

    @Nested
    class Stopping {

        @Test
        void cancellingTheTokenTerminatesTheScriptAndItsChildren(@TempDir Path tmp) throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, sleeperWritingPid(tmp), ""));
            CancelToken cancel = new CancelToken();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean interruptedAfter = new AtomicBoolean(true);
            Thread caller = new Thread(() -> {
                try {
                    Trainer.forProject(config, EngineContext.builder().environment(Map.of("PATH",
                            System.getenv("PATH"))).cancel(cancel).build()).call();
                } catch (Throwable t) {
                    thrown.set(t);
                }
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            });
            caller.start();
            long[] pids = waitForPids(tmp);

            cancel.cancel();
            caller.join(Duration.ofSeconds(30).toMillis());

            assertThat(caller.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("training process " + pids[0]);
            Processes.assertGone(pids[0]);
            Processes.assertGone(pids[1]);
            assertThat(interruptedAfter).as("the caller's thread is not left interrupted").isFalse();
        }

        @Test
        void aCancelledTokenStopsTheRunBeforeItStarts(@TempDir Path tmp) {
            Path project = TestProjects.project(tmp, "raise SystemExit('must not run')", "");
            CancelToken cancel = new CancelToken();
            cancel.cancel();

            assertThatThrownBy(() -> Trainer.forProject(load(project), EngineContext.builder().cancel(cancel).build())
                    .call()).isInstanceOf(OperationStoppedException.class).hasMessageContaining("before it started");
            assertThat(project.resolve(".cd4ml/runs")).doesNotExist();
        }
    }

    /** A script that starts a grandchild, writes both pids to pids.txt, and sleeps. */
    static String sleeperWritingPid(Path dir) {
        return """
                import os, subprocess, time
                child = subprocess.Popen(["sleep", "300"])
                with open(%s, "w") as f:
                    f.write("%%d %%d" %% (os.getpid(), child.pid))
                print("sleeping", flush=True)
                time.sleep(300)
                """.formatted("'" + dir.resolve("pids.txt") + "'");
    }

    static long[] waitForPids(Path dir) throws Exception {
        Path file = dir.resolve("pids.txt");
        for (int i = 0; i < 300 && (!Files.exists(file) || Files.readString(file).isBlank()); i++) {
            Thread.sleep(100);
        }
        String[] parts = Files.readString(file).strip().split(" ");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }

    static long readPid(Path dir) throws Exception {
        return waitForPids(dir)[0];
    }

}
