package io.jenkins.plugins.cd4ml.train.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig.Backend;
import io.jenkins.plugins.cd4ml.docker.TestDocker;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.Processes;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real training runs in containers of the local Python base image on the real Docker engine:
 * the SageMaker contract under {@code /opt/ml}, ownership, limits, failures, and stopping without
 * leaving a container behind.
 */
class DockerTrainingBackendTest {

    private static final String ECHO_CONTRACT = """
            import json, os, socket, sys
            model_dir = os.environ["SM_MODEL_DIR"]
            with open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "hyperparameters.json")) as f:
                from_file = json.load(f)
            try:
                open("/opt/ml/code/written-by-training", "w")
                code_writable = True
            except OSError:
                code_writable = False
            seen = {
                "hps_file": from_file,
                "hps_env": json.loads(os.environ["SM_HPS"]),
                "hp_alpha": os.environ["SM_HP_ALPHA"],
                "model_dir": model_dir,
                "output_data_dir": os.environ["SM_OUTPUT_DATA_DIR"],
                "channel_train": os.environ["SM_CHANNEL_TRAIN"],
                "channel_files": os.listdir(os.environ["SM_CHANNEL_TRAIN"]),
                "channels": json.loads(os.environ["SM_CHANNELS"]),
                "num_cpus": os.environ["SM_NUM_CPUS"],
                "run_id": os.environ["CD4ML_RUN_ID"],
                "home": os.environ["HOME"],
                "cwd": os.getcwd(),
                "uid": os.getuid(),
                "gid": os.getgid(),
                "hostname": socket.gethostname(),
                "code_writable": code_writable,
            }
            with open(os.path.join(model_dir, "seen.json"), "w") as f:
                json.dump(seen, f, sort_keys=True)
            print("accuracy=0.5")
            print("epoch 2 accuracy=0.75", flush=True)
            print("to stderr", file=sys.stderr)
            with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "metrics.json"), "w") as f:
                json.dump({"loss": 0.25}, f)
            """;

    /** Prints, then sleeps with a child process, as a long training would. */
    private static final String SLEEPER = """
            import subprocess, time
            child = subprocess.Popen(["sleep", "300"])
            print("sleeping", flush=True)
            time.sleep(300)
            """;

    private static DockerClient docker;
    private static String baseImage;

    @BeforeAll
    static void engine() {
        docker = TestDocker.client();
        baseImage = TestDocker.baseImage();
    }

    private static ProjectConfig load(Path dir) {
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).withBackend(Backend.DOCKER)
                .withTrainImage(baseImage).load();
    }

    private static Trainer trainer(ProjectConfig config, List<Event> events) {
        return Trainer.forProject(config, TestContexts.context(Map.of(), events::add))
                .withBackend(new DockerTrainingBackend(docker));
    }

    private static List<Container> containersOf(String runId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerTrainingBackend.RUN_ID_LABEL, runId)).exec();
    }

    private static String owner(Path path) throws IOException {
        return Files.getAttribute(path, "unix:uid") + ":" + Files.getAttribute(path, "unix:gid");
    }

    @Nested
    class TheExample {

        @Test
        void trainsTheIrisExampleInTheBaseImageAboveNinetyPercent(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            ProjectConfig config = load(project);
            List<Event> events = new CopyOnWriteArrayList<>();

            // the production path: the backend and its client come from TrainingBackends
            TrainingResult result = Trainer.forProject(config, TestContexts.context(TestDocker.environment(),
                    events::add)).call();

            assertThat(result.backend()).isEqualTo("docker");
            assertThat(result.jobId()).matches("[0-9a-f]{12}");
            assertThat(result.metrics().get("accuracy")).isGreaterThanOrEqualTo(0.9);
            Path archive = Path.of(URI.create(result.modelUri()));
            assertThat(archive).exists().startsWith(project.resolve(".cd4ml/models/iris-classifier"));
            ModelManifest manifest = ModelArchive.readManifest(archive);
            assertThat(manifest.version()).isEqualTo(result.modelVersion());
            assertThat(manifest.backend().name()).isEqualTo("docker");
            assertThat(manifest.backend().jobId()).isEqualTo(result.jobId());
            Path runDir = Path.of(result.runDirectory());
            assertThat(runDir.resolve("model/model.joblib")).exists();
            String user = owner(tmp);
            try (Stream<Path> files = Files.walk(runDir)) {
                for (Path file : files.toList()) {
                    assertThat(owner(file)).as("owner of %s", file).isEqualTo(user);
                }
            }
            assertThat(runDir.resolve("code")).doesNotExist();
            assertThat(events).filteredOn(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e).line())
                    .anyMatch(line -> line.contains("accuracy="));
            assertThat(Files.readString(Path.of(result.logLocation()))).contains("accuracy=",
                    "[cd4ml] requirements.txt not installed: the training image has no pip");
            assertThat(containersOf(result.runId())).isEmpty();
        }
    }

    @Nested
    class Requirements {

        private static final String USES_SKLEARN = """
                import os, platform, sklearn
                with open(os.path.join(os.environ["SM_MODEL_DIR"], "index.txt"), "w") as f:
                    f.write(os.environ.get("PIP_INDEX_URL", "unset"))
                with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "seen-versions.txt"), "w") as f:
                    f.write(platform.python_version() + " " + sklearn.__version__)
                print("accuracy=0.5")
                """;
        /** A closed port on this machine: pip must not need an index for what the image already has. */
        private static final String DEAD_INDEX = "http://127.0.0.1:9/simple";

        private Trainer pipTrainer(Path project, List<Event> events) {
            ProjectConfig config = ConfigLoader.forProject(project).withEnvironment(Map.of())
                    .withBackend(Backend.DOCKER).withTrainImage(TestDocker.imageWithPip()).load();
            return Trainer.forProject(config, TestContexts.context(Map.of(), events::add))
                    .withBackend(new DockerTrainingBackend(docker, Map.of("PIP_INDEX_URL", DEAD_INDEX,
                            "AWS_SECRET_ACCESS_KEY", "not for the container")));
        }

        @Test
        void installsRequirementsWithTheImagesPipBeforeTheScriptRuns(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.project(tmp, USES_SKLEARN, "");
            TestProjects.write(project.resolve("requirements.txt"), "# what train.py imports\nscikit-learn\n");
            List<Event> events = new CopyOnWriteArrayList<>();

            TrainingResult result = pipTrainer(project, events).call();

            assertThat(result.metrics()).containsEntry("accuracy", 0.5);
            assertThat(Files.readString(Path.of(result.logLocation())))
                    .contains("[cd4ml] installing requirements.txt with pip", "Requirement already satisfied: scikit-learn");
            assertThat(Files.readString(Path.of(result.runDirectory()).resolve("model/index.txt")))
                    .as("the pip settings of cd4ml's environment reach the container, and nothing else")
                    .isEqualTo(DEAD_INDEX);
            assertThat(events).filteredOn(Event.Message.class::isInstance).map(e -> ((Event.Message) e).text())
                    .anyMatch(text -> text.contains("python3 train.py"));
            String[] seen = Files.readString(Path.of(result.runDirectory()).resolve("output/data/seen-versions.txt"))
                    .split(" ");
            assertThat(result.manifest().environment()).as("the container's versions, as the script saw them")
                    .contains(new ModelManifest.TrainingEnvironment(seen[0], Map.of("scikit-learn", seen[1])));
        }

        @Test
        void aFailedInstallFailsTheRunWithPipsReasonAndRunsNoScript(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.project(tmp, USES_SKLEARN, "");
            TestProjects.write(project.resolve("requirements.txt"), "./no-such-project\n");
            List<Event> events = new CopyOnWriteArrayList<>();
            Trainer trainer = pipTrainer(project, events);

            assertThatThrownBy(trainer::call).isInstanceOf(TrainingFailedException.class)
                    .hasMessageContaining("installing requirements.txt with pip failed (exit 1)");
            assertThat(events).filteredOn(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e).line())
                    .anyMatch(line -> line.contains("no-such-project"))
                    .noneMatch(line -> line.contains("accuracy="));
        }

        @Test
        void leavesNonPythonCommandsAlone(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.project(tmp, "", "command: [sh, -c, 'echo accuracy=0.25; "
                    + "touch $SM_MODEL_DIR/m']");
            TestProjects.write(project.resolve("requirements.txt"), "./no-such-project\n");

            TrainingResult result = pipTrainer(project, new CopyOnWriteArrayList<>()).call();

            assertThat(result.metrics()).containsEntry("accuracy", 0.25);
            assertThat(Files.readString(Path.of(result.logLocation()))).doesNotContain("[cd4ml]");
        }
    }

    @Nested
    class TheSageMakerContract {

        @Test
        void givesTheScriptOptMlHyperparametersChannelsAndSmVariables(@TempDir Path tmp) throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, ECHO_CONTRACT, ""));

            TrainingResult result = trainer(config, new CopyOnWriteArrayList<>())
                    .withHyperparameters(Map.of("depth", "7")).call();

            Map<String, Object> seen = Json.mapper().readValue(
                    Path.of(result.runDirectory()).resolve("model/seen.json").toFile(), new TypeReference<>() { });
            assertThat(seen.get("hps_file")).isEqualTo(Map.of("alpha", "0.5", "depth", "7", "flag", "true"));
            assertThat(seen.get("hps_env")).isEqualTo(Map.of("alpha", 0.5, "depth", 7, "flag", true)); // decoded
            assertThat(seen.get("hp_alpha")).isEqualTo("0.5");
            assertThat(seen.get("model_dir")).isEqualTo("/opt/ml/model");
            assertThat(seen.get("output_data_dir")).isEqualTo("/opt/ml/output/data");
            assertThat(seen.get("channel_train")).isEqualTo("/opt/ml/input/data/train");
            assertThat(seen.get("channel_files")).isEqualTo(List.of("d.csv"));
            assertThat(seen.get("channels")).isEqualTo(List.of("train"));
            assertThat(seen.get("num_cpus")).isEqualTo(String.valueOf(docker.infoCmd().exec().getNCPU()));
            assertThat(seen.get("run_id")).isEqualTo(result.runId());
            assertThat(seen.get("home")).isEqualTo("/tmp");
            assertThat(seen.get("cwd")).isEqualTo("/opt/ml/code");
            assertThat(seen.get("code_writable")).isEqualTo(false);
            assertThat(seen.get("hostname")).as("host networking shares the host's name")
                    .isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            assertThat(seen.get("uid") + ":" + seen.get("gid")).isEqualTo(owner(tmp));
        }

        @Test
        void readsMetricsFromTheStreamedLogAndMetricsJson(@TempDir Path tmp) throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, ECHO_CONTRACT, ""));
            List<Event> events = new CopyOnWriteArrayList<>();

            TrainingResult result = trainer(config, events).call();

            assertThat(result.metrics()).containsExactlyInAnyOrderEntriesOf(Map.of("accuracy", 0.75, "loss", 0.25));
            assertThat(events).filteredOn(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e))
                    .allSatisfy(line -> assertThat(line.source()).isEqualTo("train"))
                    .map(Event.LogLine::line)
                    .contains("accuracy=0.5", "epoch 2 accuracy=0.75", "to stderr");
            assertThat(Files.readString(Path.of(result.logLocation()))).contains("epoch 2 accuracy=0.75");
        }

        @Test
        void runsAsTheOwnerOfTheRunDirectory(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.project(tmp.resolve("project"), ECHO_CONTRACT, "");
            ProjectConfig config = load(project);
            RunDirectory dir = RunDirectory.create(tmp.resolve("run"));
            Map<String, String> hyperparameters = config.train().hyperparameters();
            dir.writeConfig(hyperparameters, List.of("train"));
            Files.createDirectories(dir.channelDir("train"));
            Files.copy(project.resolve("data/d.csv"), dir.channelDir("train").resolve("d.csv"));
            boolean root = owner(tmp).equals("0:0");
            if (root) { // as a user's checkout would be: owned by someone other than the daemon's root
                chownTree(project, 4321);
                chownTree(dir.root(), 4321);
            }
            String expected = owner(dir.root());
            TrainingJob job = new TrainingJob("demo-owner-" + ProcessHandle.current().pid(), config, dir,
                    config.train().command(), hyperparameters, Duration.ofMinutes(2));

            new DockerTrainingBackend(docker).run(job, event -> { });

            Path seenFile = dir.modelDir().resolve("seen.json");
            Map<String, Object> seen = Json.mapper().readValue(seenFile.toFile(), new TypeReference<>() { });
            assertThat(seen.get("uid") + ":" + seen.get("gid")).isEqualTo(expected);
            assertThat(owner(seenFile)).isEqualTo(expected);
            assertThat(owner(dir.outputDataDir().resolve("metrics.json"))).isEqualTo(expected);
            if (root) {
                assertThat(expected).isEqualTo("4321:4321");
            }
        }
    }

    @Nested
    class Limits {

        @Test
        void appliesCpuAndMemoryAndLabelsTheContainer(@TempDir Path tmp) throws Exception {
            String waitForGo = """
                    import os, time
                    go = os.path.join(os.environ["SM_OUTPUT_DIR"], "go")
                    print("waiting", flush=True)
                    for _ in range(1200):
                        if os.path.exists(go):
                            break
                        time.sleep(0.1)
                    open(os.path.join(os.environ["SM_MODEL_DIR"], "m.txt"), "w").write(os.environ["SM_NUM_CPUS"])
                    """;
            Path project = TestProjects.project(tmp, waitForGo, "resources: {cpu: 500m, memory: 256Mi}");
            ProjectConfig config = load(project);
            Running running = Running.start(trainer(config, new CopyOnWriteArrayList<>()), project);

            InspectContainerResponse container = docker.inspectContainerCmd(running.containerId()).exec();
            Files.writeString(running.runDirectory().resolve("output/go"), "");
            TrainingResult result = running.await();

            assertThat(container.getHostConfig().getMemory()).isEqualTo(256L * 1024 * 1024);
            assertThat(container.getHostConfig().getMemorySwap()).isEqualTo(256L * 1024 * 1024);
            assertThat(container.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
            assertThat(container.getHostConfig().getNetworkMode()).isEqualTo("host");
            assertThat(container.getConfig().getLabels())
                    .containsEntry(DockerTrainingBackend.RUN_ID_LABEL, result.runId())
                    .containsEntry(DockerTrainingBackend.PROJECT_LABEL, "demo")
                    .containsEntry("app.kubernetes.io/managed-by", "cd4ml");
            assertThat(container.getConfig().getUser()).isEqualTo(owner(tmp));
            assertThat(container.getConfig().getWorkingDir()).isEqualTo("/opt/ml/code");
            assertThat(container.getConfig().getEntrypoint()).as("the script that records the versions, then the command")
                    .startsWith("python3", "-c", TrainingRequirements.script())
                    .endsWith("python3", "train.py", "--alpha", "0.5", "--depth", "3", "--flag", "True");
            assertThat(container.getName()).isEqualTo("/cd4ml-" + result.runId());
            assertThat(result.jobId()).isEqualTo(running.containerId().substring(0, 12));
            assertThat(Files.readString(Path.of(result.runDirectory()).resolve("model/m.txt"))).isEqualTo("1");
            assertThat(containersOf(result.runId())).isEmpty();
        }

        @Test
        void explainsAScriptKilledAtItsMemoryLimit(@TempDir Path tmp) {
            String hog = """
                    print("allocating", flush=True)
                    data = bytearray(512 * 1024 * 1024)
                    print("survived", len(data))
                    """;
            ProjectConfig config = load(TestProjects.project(tmp, hog, "resources: {memory: 16Mi}"));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training ran out of memory and was killed (exit code 137) at its limit of 16Mi "
                            + "(train.resources.memory)")
                    .satisfies(e -> assertThat(((TrainingFailedException) e).suggestion()).get().asString()
                            .startsWith("raise train.resources.memory"));
            assertThat(containersOf(onlyRunId(tmp))).isEmpty();
        }

        @Test
        void explainsThatTheDaemonHasNoGpuRuntime(@TempDir Path tmp) {
            // this daemon has no GPU runtime; where one is installed the request reaches it
            ProjectConfig config = load(TestProjects.project(tmp, ECHO_CONTRACT, "resources: {gpu: 1}"));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessageStartingWith("train.resources.gpu asks for 1 GPU, but the Docker daemon has no GPU "
                            + "runtime: ")
                    .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).get().asString()
                            .contains("NVIDIA Container Toolkit").contains("train.resources.gpu: 0"));
            assertThat(containersOf(onlyRunId(tmp))).isEmpty();
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
            assertThat(containersOf(onlyRunId(tmp))).isEmpty();
        }

        @Test
        void reportsTheExitCodeWithoutAFailureFile(@TempDir Path tmp) {
            ProjectConfig config = load(TestProjects.project(tmp, "import sys\nsys.exit(3)\n", ""));

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training failed with exit code 3");
            assertThat(containersOf(onlyRunId(tmp))).isEmpty();
        }

        @Test
        void stopsAndRemovesAContainerThatExceedsTheTimeout(@TempDir Path tmp) {
            ProjectConfig config = load(TestProjects.project(tmp, SLEEPER, "timeout: 4s"));
            long started = System.nanoTime();

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training exceeded train.timeout (4s) and was stopped");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(containersOf(onlyRunId(tmp))).isEmpty();
        }

        @Test
        void explainsAnImageThatIsNotThereAndCannotBePulled(@TempDir Path tmp) {
            String image = "127.0.0.1:1/cd4ml-test/no-such-image:1";
            ProjectConfig config = ConfigLoader.forProject(TestProjects.project(tmp, ECHO_CONTRACT, "")).withEnvironment(System.getenv())
                    .withEnvironment(Map.of()).withBackend(Backend.DOCKER).withTrainImage(image).load();

            assertThatThrownBy(() -> trainer(config, new CopyOnWriteArrayList<>()).call())
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessageStartingWith("image " + image + " is not on this Docker host and could not be "
                            + "pulled: ")
                    .hasMessageContaining("connection refused")
                    .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).get().asString()
                            .contains("build or load it").contains("train.image (or --image)"));
        }
    }

    @Nested
    class Stopping {

        @Test
        void cancellingTheTokenStopsAndRemovesTheContainer(@TempDir Path tmp) throws Exception {
            ProjectConfig config = load(TestProjects.project(tmp, SLEEPER, ""));
            CancelToken cancel = new CancelToken();
            Running running = Running.start(Trainer.forProject(config, EngineContext.builder().cancel(cancel).build())
                    .withBackend(new DockerTrainingBackend(docker)), tmp);
            String runId = running.runDirectory().getFileName().toString();
            long pid = docker.inspectContainerCmd(running.containerId()).exec().getState().getPidLong();
            List<Long> processes = processTree(pid);
            for (int i = 0; i < 100 && processes.size() < 3; i++) { // the script starts its child
                Thread.sleep(100);
                processes = processTree(pid);
            }

            cancel.cancel();
            running.thread().join(Duration.ofSeconds(30).toMillis());

            assertThat(running.thread().isAlive()).isFalse();
            assertThat(running.thrown.get()).isInstanceOf(OperationStoppedException.class)
                    .hasMessageStartingWith("stopped: training container " + running.containerId().substring(0, 12))
                    .hasMessageEndingWith("was removed");
            assertThat(containersOf(runId)).isEmpty();
            assertThat(processes).as("docker-init, python3 and its sleep child").hasSize(3);
            for (long process : processes) {
                Processes.assertGone(process);
            }
        }
    }

    /** A training running on its own thread, found by its run directory and container. */
    private record Running(Thread thread, AtomicReference<TrainingResult> result, AtomicReference<Throwable> thrown,
            Path runDirectory, String containerId) {

        /** Starts training and returns once its container runs the script. */
        static Running start(Trainer trainer, Path project) throws Exception {
            AtomicReference<TrainingResult> result = new AtomicReference<>();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread thread = new Thread(() -> {
                try {
                    result.set(trainer.call());
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "training under test");
            thread.start();
            Path runs = project.resolve(".cd4ml/runs");
            for (int i = 0; i < 600; i++) {
                if (Files.isDirectory(runs)) {
                    try (Stream<Path> list = Files.list(runs)) {
                        List<Path> dirs = list.toList();
                        if (dirs.size() == 1) {
                            String runId = dirs.get(0).getFileName().toString();
                            for (Container c : containersOf(runId)) {
                                if (c.getState().equals("running") && hasSleepingScript(c.getId())) {
                                    return new Running(thread, result, thrown, dirs.get(0), c.getId());
                                }
                            }
                        }
                    }
                }
                if (!thread.isAlive()) {
                    throw new AssertionError("training ended before its container ran", thrown.get());
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no running training container after 60 s");
        }

        TrainingResult await() throws Exception {
            thread.join(Duration.ofSeconds(60).toMillis());
            if (thrown.get() != null) {
                throw new AssertionError("training failed", thrown.get());
            }
            return result.get();
        }

        private static boolean hasSleepingScript(String containerId) {
            Long pid = docker.inspectContainerCmd(containerId).exec().getState().getPidLong();
            return pid != null && pid > 0 && processTree(pid).size() >= 2;
        }
    }

    /** The process and its descendants, as the host sees them. */
    private static List<Long> processTree(long pid) {
        List<Long> tree = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(p -> {
            tree.add(p.pid());
            p.descendants().forEach(d -> tree.add(d.pid()));
        });
        return tree;
    }

    private static String onlyRunId(Path project) {
        try (Stream<Path> runs = Files.list(project.resolve(".cd4ml/runs"))) {
            return runs.map(p -> p.getFileName().toString()).reduce((a, b) -> {
                throw new AssertionError("more than one run: " + a + ", " + b);
            }).orElseThrow();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void chownTree(Path root, int id) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                Files.setAttribute(p, "unix:uid", id);
                Files.setAttribute(p, "unix:gid", id);
            }
        }
    }
}
