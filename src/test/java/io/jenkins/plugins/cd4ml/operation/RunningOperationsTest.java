package io.jenkins.plugins.cd4ml.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop that arrives as a separate call, by id, as a Jenkins abort reaches an agent: the running
 * operation's token is cancelled, the engine ends what it started and the operation reports
 * {@code stopped}; another operation running beside it is untouched.
 */
class RunningOperationsTest {

    /** Writes its pid and who it is, says it started, then trains for ten minutes unless stopped. */
    private static String sleeper(Path pidDir) {
        return """
                import os, time
                who = os.environ.get("WHO", "nobody")
                with open(os.path.join(%s, who), "w") as f:
                    f.write(str(os.getpid()))
                print("training started by " + who, flush=True)
                time.sleep(600)
                print("accuracy=0.9")
                """.formatted("'" + pidDir + "'");
    }

    private static final String TUNE = """
            tune:
              objective: {metric: accuracy, goal: maximize}
              strategy: grid
              max_trials: 1
              parallel_trials: 1
              parameters:
                depth: {type: categorical, values: ['3']}
            """;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    /** Starts {@code operation} on a worker thread (as the plugin's agent side does) and waits until its script runs. */
    private static FutureTask<OperationOutcome> start(EngineOperation operation, List<String> lines,
            CountDownLatch started) {
        FutureTask<OperationOutcome> work = new FutureTask<>(operation.withOutput(line -> {
            lines.add(line);
            if (line.contains("training started")) {
                started.countDown();
            }
        })::call);
        new Thread(work, "operation under test").start();
        return work;
    }

    private static Map<String, String> environment(String who) {
        return Map.of("PATH", System.getenv("PATH"), "WHO", who);
    }

    private static long pid(Path pidDir, String who) throws Exception {
        String text = "";
        for (int i = 0; i < 100 && text.isEmpty(); i++) { // the script may still be writing it
            text = Files.readString(pidDir.resolve(who)).trim();
            if (text.isEmpty()) {
                Thread.sleep(50);
            }
        }
        return Long.parseLong(text);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aCancelByIdStopsThatOperationOnlyAndItReportsStopped(@TempDir Path tmp) throws Exception {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        Path one = TestProjects.project(tmp.resolve("one"), sleeper(pids), "");
        Path two = TestProjects.project(tmp.resolve("two"), sleeper(pids), "");
        String oneId = UUID.randomUUID().toString();
        String twoId = UUID.randomUUID().toString();
        CountDownLatch started = new CountDownLatch(2);
        List<String> oneLines = new CopyOnWriteArrayList<>();
        FutureTask<OperationOutcome> first = start(EngineOperation.named("train").withId(oneId).inProject(one)
                .withEnvironment(environment("one")), oneLines, started);
        FutureTask<OperationOutcome> second = start(EngineOperation.named("train").withId(twoId).inProject(two)
                .withEnvironment(environment("two")), new CopyOnWriteArrayList<>(), started);
        try {
            assertThat(started.await(60, TimeUnit.SECONDS)).as("both scripts started").isTrue();
            assertThat(RunningOperations.isRunning(oneId)).isTrue();

            assertThat(RunningOperations.cancel(oneId)).as("the operation was found by its id").isTrue();
            OperationOutcome outcome = first.get(60, TimeUnit.SECONDS);

            assertThat(outcome.status()).isEqualTo(OperationOutcome.STOPPED);
            assertThat(outcome.exitCode()).isEqualTo(1);
            assertThat(outcome.document()).containsEntry("status", "stopped");
            assertThat(alive(pid(pids, "one"))).as("its script was ended before the operation returned").isFalse();
            assertThat(RunningOperations.isRunning(oneId)).as("an ended operation is forgotten").isFalse();
            assertThat(RunningOperations.cancel(oneId)).isFalse();

            assertThat(second.isDone()).as("the other operation runs on").isFalse();
            assertThat(alive(pid(pids, "two"))).isTrue();
        } finally {
            RunningOperations.cancel(twoId);
        }
        assertThat(second.get(60, TimeUnit.SECONDS).status()).isEqualTo(OperationOutcome.STOPPED);
    }

    /** tune runs as the CLI's command in this JVM: the id reaches its token too, and its trial's script. */
    @Test
    void aCancelByIdStopsACommandOperationWithItsTrials(@TempDir Path tmp) throws Exception {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        Path project = TestProjects.project(tmp.resolve("p"), sleeper(pids), "");
        Files.writeString(project.resolve("config.yaml"), TUNE, StandardOpenOption.APPEND);
        String id = UUID.randomUUID().toString();
        CountDownLatch started = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        FutureTask<OperationOutcome> work = start(EngineOperation.named("tune").withId(id).inProject(project)
                .withEnvironment(environment("tuner")), lines, started);
        // a tune shows trials as they finish, not their output: wait for the trial's pid file, named
        // after WHO of this call's environment
        for (int i = 0; i < 1200 && !Files.exists(pids.resolve("tuner")); i++) {
            Thread.sleep(100);
        }
        assertThat(pids.resolve("tuner")).as("the trial started with this call's environment: %s", lines).exists();

        assertThat(RunningOperations.cancel(id)).isTrue();
        OperationOutcome outcome = work.get(120, TimeUnit.SECONDS);

        assertThat(outcome.status()).as(outcome.message()).isEqualTo(OperationOutcome.STOPPED);
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(alive(pid(pids, "tuner"))).as("the trial's script was ended").isFalse();
    }

    /** run is the CLI's command too: a cancel by id stops its train stage, and the run reports stopped. */
    @Test
    void aCancelByIdStopsARun(@TempDir Path tmp) throws Exception {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        Path project = TestProjects.project(tmp.resolve("p"), sleeper(pids), "");
        String id = UUID.randomUUID().toString();
        CountDownLatch started = new CountDownLatch(1);
        FutureTask<OperationOutcome> work = start(EngineOperation.named("run").withId(id).inProject(project)
                .withEnvironment(environment("runner")), new CopyOnWriteArrayList<>(), started);
        for (int i = 0; i < 1200 && !Files.exists(pids.resolve("runner")); i++) {
            Thread.sleep(100);
        }
        assertThat(pids.resolve("runner")).as("the train stage started").exists();

        assertThat(RunningOperations.cancel(id)).isTrue();
        OperationOutcome outcome = work.get(120, TimeUnit.SECONDS);

        assertThat(outcome.status()).as(outcome.message()).isEqualTo(OperationOutcome.STOPPED);
        assertThat(outcome.document()).containsEntry("status", "stopped");
        assertThat(alive(pid(pids, "runner"))).as("the training script was ended").isFalse();
    }

    @Test
    void aTokenCancelledBeforeTheCallStopsItBeforeAnythingRuns(@TempDir Path tmp) throws Exception {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        Path project = TestProjects.project(tmp.resolve("p"), sleeper(pids), "");
        CancelToken token = new CancelToken();
        token.cancel();
        OperationOutcome outcome = EngineOperation.named("train").inProject(project).withCancel(token)
                .withEnvironment(environment("early")).call();
        assertThat(outcome.status()).isEqualTo(OperationOutcome.STOPPED);
        assertThat(outcome.message()).contains("before it started");
        assertThat(pids.resolve("early")).as("the script never ran").doesNotExist();
    }

    /** The abort reached the agent before the operation did: it starts cancelled and runs nothing. */
    @Test
    void aCancelThatArrivesBeforeTheOperationStopsItWhenItRegisters(@TempDir Path tmp) throws Exception {
        Path pids = Files.createDirectories(tmp.resolve("pids"));
        Path project = TestProjects.project(tmp.resolve("p"), sleeper(pids), "");
        String id = UUID.randomUUID().toString();

        assertThat(RunningOperations.cancel(id)).as("nothing runs under the id yet").isFalse();
        OperationOutcome outcome = EngineOperation.named("train").withId(id).inProject(project)
                .withEnvironment(environment("late")).withOutput(line -> { }).call();

        assertThat(outcome.status()).isEqualTo(OperationOutcome.STOPPED);
        assertThat(outcome.message()).contains("before it started");
        assertThat(pids.resolve("late")).as("the script never ran").doesNotExist();
        assertThat(RunningOperations.isRunning(id)).isFalse();

        OperationOutcome again = EngineOperation.named("validate").withId(id).inProject(project)
                .withOutput(line -> { }).call();
        assertThat(again.status()).as("an early cancel stops one operation, not every later use of the id")
                .isEqualTo(OperationOutcome.SUCCEEDED);
    }

    @Test
    void onlyTheMostRecentEarlyCancelsAreRemembered(@TempDir Path tmp) throws Exception {
        Path project = TestProjects.project(tmp.resolve("p"), sleeper(tmp), "");
        String oldest = UUID.randomUUID().toString();
        RunningOperations.cancel(oldest);
        for (int i = 0; i < RunningOperations.REMEMBERED_CANCELS; i++) {
            RunningOperations.cancel(UUID.randomUUID().toString());
        }
        OperationOutcome outcome = EngineOperation.named("validate").withId(oldest).inProject(project)
                .withOutput(line -> { }).call();
        assertThat(outcome.status()).as("the oldest was forgotten").isEqualTo(OperationOutcome.SUCCEEDED);
    }

    @Test
    void anUnknownIdFindsNothing() {
        assertThat(RunningOperations.cancel("no-such-operation")).isFalse();
        assertThat(RunningOperations.cancel(null)).isFalse();
        assertThat(RunningOperations.isRunning("no-such-operation")).isFalse();
    }

    @Test
    void anIdInUseIsRefused() {
        try (CancelToken.Registration held = RunningOperations.register("taken", new CancelToken())) {
            Consumer<String> ignore = line -> { };
            assertThatThrownBy(() -> EngineOperation.named("validate").withId("taken").withOutput(ignore).call())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("taken");
            assertThat(RunningOperations.isRunning("taken")).as("the holder keeps its id").isTrue();
        }
        assertThat(RunningOperations.isRunning("taken")).isFalse();
    }
}
