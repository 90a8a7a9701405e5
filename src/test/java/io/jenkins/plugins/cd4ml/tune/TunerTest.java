package io.jenkins.plugins.cd4ml.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.docker.TestDocker;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.testing.Processes;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.docker.DockerTrainingBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tunes with real trials: each a local training run of a Python script with a known objective. */
class TunerTest {

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    private static Tuner tuner(ProjectConfig config, Path markers, List<Event> events) {
        Map<String, String> environment = ObjectiveProjects.environment(markers);
        return Tuner.forProject(config, TestContexts.context(environment, events::add));
    }

    /** A tuner whose trials leave their markers in {@code markers}, keeping no events. */
    private static Tuner tuner(ProjectConfig config, Path markers) {
        return tuner(config, markers, new CopyOnWriteArrayList<>());
    }

    /** Tunes {@code config} with the trials' markers in {@code tmp/m}, keeping no events. */
    private static TuneResult tune(ProjectConfig config, Path tmp) {
        return tuner(config, tmp.resolve("m")).call();
    }

    /** The tune section of a random search for the best score over x in [0, 1]. */
    private static String randomSearchOfX(int maxTrials, int parallelTrials) {
        return TestProjects.randomSearchOfX("score", maxTrials, parallelTrials);
    }

    /** The pid files of the trials that started (each writes one). */
    private static List<Path> pidFiles(Path pids) throws java.io.IOException {
        try (Stream<Path> files = Files.list(pids)) {
            return files.toList();
        }
    }

    private static long pidOf(Path markers, String runId) throws Exception {
        return Long.parseLong(Files.readString(markers.resolve("pids").resolve(runId)).strip());
    }

    /** Asserts that the process of each of {@code trials} has ended. */
    private static void assertProcessesGone(Path markers, List<Trial> trials) throws Exception {
        for (Trial t : trials) {
            Processes.assertGone(pidOf(markers, t.runId()));
        }
    }

    private static List<Trial> withStatus(TuneResult result, TrialStatus status) {
        return result.trials().stream().filter(t -> t.status() == status).toList();
    }

    @Nested
    class Strategies {

        @Test
        void randomSearchRunsEveryTrialAsATrainingRunAndPicksTheBest(@TempDir Path tmp) {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "kind: a", """
                    objective: {metric: score, goal: maximize}
                    strategy: random
                    max_trials: 6
                    parallel_trials: 2
                    parameters:
                      x: {type: float, min: 0.01, max: 1, scale: log}
                      n: {type: int, min: 1, max: 20}
                    """);
            List<Event> events = new CopyOnWriteArrayList<>();

            TuneResult result = tuner(config, tmp.resolve("m"), events).call();

            assertThat(result.succeeded()).isTrue();
            assertThat(result.trials()).hasSize(6).allSatisfy(t -> {
                assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
                double x = Double.parseDouble(t.parameters().get("x"));
                int n = Integer.parseInt(t.parameters().get("n"));
                assertThat(x).isBetween(0.01, 1.0);
                assertThat(n).isBetween(1, 20);
                assertThat(t.value()).isCloseTo(1 - Math.pow(x - 0.3, 2) - Math.pow((n - 7) / 10.0, 2),
                        org.assertj.core.data.Offset.offset(1e-5));
                assertThat(t.runId()).isEqualTo(result.tuneId() + "-t" + t.number());
                assertThat(t.modelVersion()).hasSize(12);
                assertThat(tmp.resolve("p/.cd4ml/models/objective").resolve(t.modelVersion()).resolve("model.tar.gz"))
                        .isRegularFile();
            });
            double best = result.trials().stream().mapToDouble(Trial::value).max().orElseThrow();
            assertThat(result.best().value()).isEqualTo(best);
            assertThat(result.bestTraining().modelVersion()).isEqualTo(result.best().modelVersion());
            assertThat(events).filteredOn(e -> e instanceof Event.TrialFinished).hasSize(6);
            assertThat(events).filteredOn(e -> e instanceof Event.TrialStarted).hasSize(6);
        }

        @Test
        void aSeededRandomSearchSuggestsTheSameTrialsAgain(@TempDir Path tmp) {
            String tune = """
                    objective: {metric: score, goal: maximize}
                    strategy: random
                    seed: 7
                    max_trials: 3
                    parameters:
                      x: {type: float, min: 0, max: 1}
                      kind: {type: categorical, values: [a, b]}
                    """;
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "n: 7", tune);
            TuneResult first = tune(config, tmp);
            TuneResult second = tune(config, tmp);
            assertThat(second.trials().stream().map(Trial::parameters).toList())
                    .isEqualTo(first.trials().stream().map(Trial::parameters).toList());
            assertThat(second.tuneId()).isNotEqualTo(first.tuneId());
        }

        @Test
        void gridSearchRunsEachPointOnceAndStopsWhenTheGridIsDone(@TempDir Path tmp) {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "x: 0.3", """
                    objective: {metric: score, goal: maximize}
                    strategy: grid
                    max_trials: 20
                    parallel_trials: 2
                    parameters:
                      n: {type: int, min: 6, max: 8}
                      kind: {type: categorical, values: [a, b]}
                    """);

            TuneResult result = tune(config, tmp);

            assertThat(result.trials()).hasSize(6);
            Set<Map<String, String>> points = new HashSet<>();
            result.trials().forEach(t -> points.add(t.parameters()));
            assertThat(points).hasSize(6).contains(Map.of("n", "7", "kind", "a"), Map.of("n", "6", "kind", "b"));
            assertThat(result.best().parameters()).isEqualTo(Map.of("n", "7", "kind", "a"));
            assertThat(result.best().value()).isEqualTo(1.0);
        }

        @Test
        void bayesianSearchRunsOptunaTpeAndKeepsEveryTrialInRange(@TempDir Path tmp) {
            ProjectConfig config = ObjectiveProjects.loaded(tmp,
                    "kind: a, x: 0.5, n: 3", """
                    objective: {metric: score, goal: maximize}
                    strategy: bayesian
                    max_trials: 8
                    parallel_trials: 2
                    parameters:
                      x: {type: float, min: 0, max: 1}
                      n: {type: int, min: 1, max: 20, scale: log}
                    """);

            TuneResult result = tune(config, tmp);

            assertThat(result.search()).startsWith("TPE (Optuna 3.");
            assertThat(result.trials().get(0).parameters()).as("the configured hyperparameters come first")
                    .isEqualTo(Map.of("x", "0.5", "n", "3"));
            assertThat(result.trials()).hasSize(8).allSatisfy(t -> {
                assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
                assertThat(Double.parseDouble(t.parameters().get("x"))).isBetween(0.0, 1.0);
                assertThat(Integer.parseInt(t.parameters().get("n"))).isBetween(1, 20);
            });
            assertThat(result.best().value()).isEqualTo(result.trials().stream().mapToDouble(Trial::value).max()
                    .orElseThrow());
        }

        @Test
        void minimizingPicksTheLowestValue(@TempDir Path tmp) {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "x: 0.3", """
                    objective: {metric: score, goal: minimize}
                    strategy: grid
                    max_trials: 3
                    parameters:
                      n: {type: int, min: 6, max: 8}
                    """);
            TuneResult result = tune(config, tmp);
            assertThat(result.best().value()).isEqualTo(0.99);
            assertThat(result.goal()).isEqualTo("minimize");
        }

        @Test
        void hyperbandPrunesTrialsThatFallBehindAndStopsTheirProcesses(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp,
                    "steps: 6, pause: 0.3, n: 7, kind: a", """
                    objective: {metric: score, goal: maximize}
                    strategy: hyperband
                    max_trials: 10
                    parameters:
                      x: {type: float, min: -3, max: 3}
                    """);
            Path markers = tmp.resolve("m");

            TuneResult result = tuner(config, markers).call();

            assertThat(result.search()).contains("hyperband pruning");
            List<Trial> pruned = withStatus(result, TrialStatus.PRUNED);
            assertThat(pruned).as("trials pruned by Optuna's HyperbandPruner").isNotEmpty().allSatisfy(t -> {
                assertThat(t.series()).isNotEmpty();
                assertThat(t.modelVersion()).isNull();
                assertThat(markers.resolve("finished-" + t.runId())).doesNotExist();
            });
            assertThat(pruned).as("stopped before the last step").anySatisfy(t -> assertThat(t.series())
                    .hasSizeLessThan(6));
            assertProcessesGone(markers, pruned);
            assertThat(result.best().status()).isEqualTo(TrialStatus.COMPLETED);
        }

        @Test
        void theMedianPrunerStopsTrialsFromTheRecordsTheyAppendToMetricsJson(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp,
                    "steps: 6, pause: 0.4, n: 7, kind: a, report: metrics_json", """
                    objective: {metric: score, goal: maximize}
                    strategy: bayesian
                    early_stopping: auto
                    max_trials: 10
                    parallel_trials: 1
                    parameters:
                      x: {type: float, min: -3, max: 3}
                    """);
            Path markers = tmp.resolve("m");

            TuneResult result = tuner(config, markers).call();

            assertThat(result.search()).contains("median pruning");
            assertThat(result.trials()).allSatisfy(t -> assertThat(Files.readString(config.directory()
                    .resolve(".cd4ml/runs").resolve(t.runId()).resolve("training.log")))
                    .as("the script prints no score: every value came from metrics.json").doesNotContain("score="));
            List<Trial> completed = withStatus(result, TrialStatus.COMPLETED);
            assertThat(completed).hasSizeGreaterThanOrEqualTo(5).allSatisfy(t -> {
                double x = Double.parseDouble(t.parameters().get("x"));
                assertThat(t.value()).as("the last record's score").isCloseTo(1 - Math.pow(x - 0.3, 2),
                        org.assertj.core.data.Offset.offset(1e-5));
                assertThat(t.metrics()).containsOnlyKeys("score");
                assertThat(t.series()).isNotEmpty().hasSizeLessThanOrEqualTo(6);
            });
            List<Trial> pruned = withStatus(result, TrialStatus.PRUNED);
            assertThat(pruned).as("trials Optuna's MedianPruner stopped on their metrics.json records").isNotEmpty()
                    .allSatisfy(t -> {
                        assertThat(t.number()).as("after the 5 startup trials").isGreaterThanOrEqualTo(5);
                        assertThat(t.series()).isNotEmpty().hasSizeLessThan(6);
                        assertThat(t.modelVersion()).isNull();
                        assertThat(markers.resolve("finished-" + t.runId())).doesNotExist();
                    });
            assertProcessesGone(markers, pruned);
        }
    }

    @Nested
    class Running {

        @Test
        void runsAtMostParallelTrialsAtOnceAndReallyInParallel(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "barrier: 2", randomSearchOfX(4, 2));
            Path markers = tmp.resolve("m");

            TuneResult result = tuner(config, markers).call();

            assertThat(result.count(TrialStatus.COMPLETED)).isEqualTo(4);
            List<Integer> seen;
            try (Stream<Path> files = Files.list(markers)) {
                seen = files.filter(p -> p.getFileName().toString().startsWith("seen-")).map(p -> {
                    try {
                        return Integer.parseInt(Files.readString(p).strip());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList();
            }
            assertThat(seen).hasSize(4).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2)).contains(2);
        }

        @Test
        void runsParallelTrialsAsRealContainersOnTheDockerBackend(@TempDir Path tmp) throws Exception {
            DockerClient docker = TestDocker.client();
            Path dir = ObjectiveProjects.project(tmp.resolve("p"), "steps: 5, pause: 0.6, kind: a", """
                    objective: {metric: score, goal: maximize}
                    strategy: grid
                    max_trials: 4
                    parallel_trials: 2
                    parameters:
                      n: {type: int, min: 6, max: 7}
                      x: {type: categorical, values: ['0.3', '0.5']}
                    """);
            ProjectConfig config = ConfigLoader.forProject(dir).withEnvironment(Map.of())
                    .withBackend(TrainConfig.Backend.DOCKER).withTrainImage(TestDocker.baseImage()).load();
            // watch the daemon: how many trial containers of this project run at once
            AtomicInteger most = new AtomicInteger();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicBoolean tuning = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> {
                while (tuning.get()) {
                    List<String> running = docker.listContainersCmd()
                            .withLabelFilter(List.of(DockerTrainingBackend.RUN_ID_LABEL)).exec().stream()
                            .map(c -> c.getLabels().get(DockerTrainingBackend.RUN_ID_LABEL))
                            .filter(id -> id.startsWith("objective-")).toList();
                    seen.addAll(running);
                    most.accumulateAndGet(running.size(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            watcher.start();
            TuneResult result;
            try {
                Map<String, String> environment = new java.util.HashMap<>(TestDocker.environment());
                environment.put("PATH", System.getenv("PATH"));
                result = Tuner.forProject(config, TestContexts.context(environment, e -> { })).call();
            } finally {
                tuning.set(false);
                watcher.join(10_000);
            }

            assertThat(result.succeeded()).as(String.valueOf(result.error())).isTrue();
            assertThat(result.trials()).hasSize(4).allSatisfy(t -> {
                assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
                assertThat(Json.mapper().readTree(config.directory().resolve(".cd4ml/runs").resolve(t.runId())
                        .resolve("model.json").toFile()).at("/backend/name").asText()).isEqualTo("docker");
            });
            assertThat(most.get()).as("two trial containers ran at once, never more").isEqualTo(2);
            assertThat(seen).as("every trial ran in a container of its own")
                    .containsExactlyInAnyOrderElementsOf(result.trials().stream().map(Trial::runId).toList());
            assertThat(result.best().parameters()).isEqualTo(Map.of("n", "7", "x", "0.3"));
            assertThat(result.best().value()).isEqualTo(1.0);
            assertThat(docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(List.of(DockerTrainingBackend.RUN_ID_LABEL)).exec().stream()
                    .map(c -> c.getLabels().get(DockerTrainingBackend.RUN_ID_LABEL))).as("no container is left")
                    .noneMatch(seen::contains);
        }

        @Test
        void aPrunedTrialIsStoppedOnItsBackend(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "steps: 200, pause: 0.2", randomSearchOfX(1, 1));
            Path markers = tmp.resolve("m");
            Search pruneAtStepTwo = new PruningAt(2, new RandomSearch(config.tune().orElseThrow()));

            TuneResult result = tuner(config, markers).withSearch(pruneAtStepTwo).call();

            Trial trial = result.trials().get(0);
            assertThat(trial.status()).isEqualTo(TrialStatus.PRUNED);
            assertThat(trial.series()).hasSizeBetween(2, 10);
            assertThat(trial.value()).isEqualTo(trial.series().get(trial.series().size() - 1));
            Processes.assertGone(pidOf(markers, trial.runId()));
            assertThat(markers.resolve("finished-" + trial.runId())).doesNotExist();
            assertThat(result.succeeded()).isFalse();
            assertThat(result.error()).contains("no trial completed", "1 pruned");
        }

        @Test
        void interruptingTheTuneStopsEveryRunningTrial(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "steps: 600, pause: 0.1", randomSearchOfX(4, 2));
            Path markers = tmp.resolve("m");
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            List<Event> events = new CopyOnWriteArrayList<>();
            Thread tuning = inBackground(tuner(config, markers, events), thrown);
            Path pids = markers.resolve("pids");
            awaitTrials(pids, 2);

            tuning.interrupt();
            tuning.join(60_000);

            assertThat(tuning.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("2 running trials stopped");
            for (Path p : pidFiles(pids)) {
                Processes.assertGone(Long.parseLong(Files.readString(p).strip()));
            }
            assertThat(events).filteredOn(e -> e instanceof Event.TrialFinished f
                    && f.trial().status() == TrialStatus.STOPPED).hasSize(2);
        }

        /**
         * A cancel interrupts the tuning thread once per registration (the tune's own and the front
         * end's, as an operation run by id has): an interrupt arriving while the tune waits for its
         * stopped trials must not end that wait, or the tune reports stopped with a trial still alive.
         * Failed in CI as RunningOperationsTest's cancel of a tune by id.
         */
        @Test
        void aSecondInterruptWhileTrialsStopDoesNotLeaveOneRunning(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "steps: 600, pause: 0.1, term_delay: 2",
                    randomSearchOfX(1, 1));
            Path markers = tmp.resolve("m");
            CancelToken token = new CancelToken();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread tuning = inBackground(Tuner.forProject(config, EngineContext.builder().environment(
                    ObjectiveProjects.environment(markers)).cancel(token).build()), thrown);
            Path pids = markers.resolve("pids");
            awaitTrials(pids, 1);
            Thread.sleep(300); // its SIGTERM handler is installed right after the pid file
            // the front end's own registration: the same stop, delivered a moment later
            token.onCancel(() -> new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                tuning.interrupt();
            }).start());

            token.cancel();
            tuning.join(60_000);

            assertThat(tuning.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(OperationStoppedException.class);
            for (Path p : pidFiles(pids)) {
                assertThat(markers.resolve("terminated-" + p.getFileName())).as("the trial ran its SIGTERM handler "
                        + "to the end before the tune returned").exists();
                Processes.assertGone(Long.parseLong(Files.readString(p).strip()));
            }
        }

        /** Starts the tune on a thread of its own; what it throws lands in {@code thrown}. */
        private static Thread inBackground(Tuner tuner, AtomicReference<Throwable> thrown) {
            Thread tuning = new Thread(() -> {
                try {
                    tuner.call();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            tuning.start();
            return tuning;
        }

        /** Waits (up to a minute) until {@code trials} trials wrote their pid files. */
        private static void awaitTrials(Path pids, int trials) throws Exception {
            for (int i = 0; i < 600 && countFiles(pids) < trials; i++) {
                Thread.sleep(100);
            }
            assertThat(countFiles(pids)).as("trials started").isEqualTo(trials);
        }

        private static long countFiles(Path dir) throws Exception {
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            try (Stream<Path> files = Files.list(dir)) {
                return files.count();
            }
        }
    }

    @Nested
    class Failures {

        private static final String GRID = """
                objective: {metric: score, goal: maximize}
                strategy: grid
                max_trials: 6
                max_failed_trials: %d
                parameters:
                  n: {type: int, min: 6, max: 8}
                  kind: {type: categorical, values: [a, bad]}
                """;

        @Test
        void failedTrialsWithinTheBudgetAreRecordedAndTheTuneGoesOn(@TempDir Path tmp) {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "x: 0.3",
                    GRID.formatted(3));

            TuneResult result = tune(config, tmp);

            assertThat(result.succeeded()).isTrue();
            assertThat(result.count(TrialStatus.FAILED)).isEqualTo(3);
            assertThat(result.trials()).filteredOn(t -> t.status() == TrialStatus.FAILED)
                    .allSatisfy(t -> assertThat(t.error()).contains("kind bad cannot train"));
            assertThat(result.best().parameters()).containsEntry("kind", "a").containsEntry("n", "7");
        }

        @Test
        void moreFailuresThanTheBudgetFailTheTune(@TempDir Path tmp) {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "x: 0.3",
                    GRID.formatted(1));

            TuneResult result = tune(config, tmp);

            assertThat(result.succeeded()).isFalse();
            assertThat(result.count(TrialStatus.FAILED)).isEqualTo(2);
            assertThat(result.trials().size()).isLessThan(6);
            assertThat(result.error()).contains("2 of", "trials failed, more than tune.max_failed_trials (1) allows",
                    "kind bad cannot train");
        }

        @Test
        void aMissingOptunaIsAUserErrorBeforeAnyTrialStarts(@TempDir Path tmp) throws Exception {
            ProjectConfig config = ObjectiveProjects.loaded(tmp, "x: 0.3", """
                    objective: {metric: score, goal: maximize}
                    strategy: bayesian
                    max_trials: 2
                    parameters:
                      n: {type: int, min: 6, max: 8}
                    """);
            // a real Python without site packages: the situation of a machine without python3-optuna
            Path bare = tmp.resolve("python-without-packages");
            TestProjects.write(bare, "#!/bin/sh\nexec " + TestProjects.PYTHON + " -I -S \"$@\"\n");
            bare.toFile().setExecutable(true);
            Map<String, String> environment = Map.of("PATH", System.getenv("PATH"), "CD4ML_OPTUNA_PYTHON",
                    bare.toString());

            assertThatThrownBy(() -> Tuner.forProject(config, TestContexts.context(environment, e -> { })).call())
                    .isInstanceOfSatisfying(Cd4mlException.class, e -> {
                        assertThat(e.isUserError()).isTrue();
                        assertThat(e.getMessage()).contains("the bayesian strategy needs Optuna", bare.toString());
                        assertThat(e.suggestion()).hasValueSatisfying(s -> assertThat(s)
                                .contains("apt-get install python3-optuna", "CD4ML_OPTUNA_PYTHON"));
                    });
            assertThat(tmp.resolve("p/.cd4ml/runs")).doesNotExist();
        }
    }

    /** Prunes the first trial at a given step, passing everything else to a real search. */
    private record PruningAt(int step, Search search) implements Search {

        @Override
        public Suggestion ask() {
            return search.ask();
        }

        @Override
        public boolean report(int trial, int at, double value) {
            search.report(trial, at, value);
            return trial == 0 && at >= step;
        }

        @Override
        public void tell(int trial, TrialStatus status, Double value) {
            search.tell(trial, status, value);
        }

        @Override
        public String describe() {
            return "pruning trial 0 at step " + step;
        }
    }
}
