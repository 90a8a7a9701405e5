package io.jenkins.plugins.cd4ml.operation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.cli.Main;
import io.jenkins.plugins.cd4ml.cli.EmbeddedCli;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations by name with Jenkinsfile-style options: what the plugin's {@code cd4ml} step runs.
 * The documents must be the CLI's {@code --json} documents, so the library's two paths (plugin and
 * CLI) return the same fields.
 */
class EngineOperationTest {

    /** Writes the script's hyperparameters and metrics the way the SageMaker contract asks. */
    private static final String TRAIN_PY = """
            import json, os
            hps = json.loads(os.environ["SM_HPS"])
            with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
                f.write(json.dumps(hps))
            print("depth is " + str(hps["depth"]))
            print("accuracy=0.75")
            """;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    /** The train operation in {@code project}, with this JVM's PATH (where the scripts find Python) as its environment. */
    private static EngineOperation training(Path project) {
        return EngineOperation.named("train").inProject(project).withEnvironment(Map.of("PATH", System.getenv("PATH")));
    }

    /**
     * A project whose training writes its pid to {@code project/pid}, prints "training started" and
     * then trains for ten minutes (unless stopped); returns the pid file.
     */
    private static Path trainingForTenMinutes(Path project) {
        Path pidFile = project.resolve("pid");
        TestProjects.project(project, """
                import os, time
                with open("%s", "w") as f:
                    f.write(str(os.getpid()))
                print("training started", flush=True)
                time.sleep(600)
                """.formatted(pidFile), "");
        return pidFile;
    }

    /** Asserts that {@code outcome} is refused as bad usage (exit code 2, as the CLI's); returns its message. */
    private static String usageError(OperationOutcome outcome) {
        assertThat(outcome.exitCode()).as(outcome.message()).isEqualTo(2);
        return outcome.message();
    }

    static Map<String, Object> cliJson(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return Json.mapper().readValue(out.toString(), new TypeReference<Map<String, Object>>() { });
    }

    /**
     * The plugin sends documents from the agent to the controller, where Jenkins deserializes only
     * whitelisted JDK types (JEP-200): maps, lists, text, numbers and booleans, nothing else.
     */
    static void assertPlain(Object value) {
        if (value instanceof Map<?, ?> map) {
            assertThat(map).isInstanceOf(LinkedHashMap.class);
            map.forEach((k, v) -> {
                assertThat(k).isInstanceOf(String.class);
                assertPlain(v);
            });
        } else if (value instanceof List<?> list) {
            assertThat(list).isInstanceOf(ArrayList.class);
            list.forEach(EngineOperationTest::assertPlain);
        } else if (value != null) {
            assertThat(value.getClass()).isIn(String.class, Integer.class, Long.class, Double.class, Boolean.class,
                    BigInteger.class, BigDecimal.class);
        }
    }

    @Nested
    class Validate {

        @Test
        void returnsTheDocumentOfCliValidateJson() throws Exception {
            Path iris = TestProjects.repository().resolve("examples/iris");
            OperationOutcome outcome = EngineOperation.named("validate").inProject(iris).call();
            assertThat(outcome.succeeded()).as(outcome.message()).isTrue();
            assertThat(outcome.exitCode()).isZero();
            assertThat(outcome.document()).isEqualTo(cliJson("validate", "--json", iris.toString()));
            assertThat(outcome.document()).containsEntry("project", "iris-classifier");
            assertPlain(outcome.document());
        }

        @Test
        void anInvalidConfigIsAUsageErrorWithEveryProblemPositionedAsTheCliReportsIt(@TempDir Path tmp)
                throws Exception {
            TestProjects.project(tmp, "print(1)\n", "backend: azure\nepochs: 3");
            OperationOutcome outcome = EngineOperation.named("validate").inProject(tmp).call();
            assertThat(outcome.status()).isEqualTo("failed");
            assertThat(outcome.exitCode()).isEqualTo(2);
            assertThat(outcome.userError()).isTrue();
            assertThat(outcome.message()).contains("config.yaml:", "azure", "epochs");
            assertThat(outcome.document()).isEqualTo(cliJson("validate", "--json", tmp.toString()));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> problems = (List<Map<String, Object>>) ((Map<String, Object>) outcome
                    .document().get("error")).get("problems");
            assertThat(problems).hasSize(2).allSatisfy(p -> assertThat(p).containsKeys("file", "line", "column"));
            assertPlain(outcome.document());
        }

        @Test
        void expandsVariablesFromTheGivenEnvironmentNotTheProcess(@TempDir Path tmp) {
            TestProjects.project(tmp, "print(1)\n", "");
            TestProjects.replaceIn(tmp.resolve("config.yaml"), "name: demo", "name: ${CD4ML_OPERATION_TEST_NAME}");
            OperationOutcome outcome = EngineOperation.named("validate").inProject(tmp)
                    .withEnvironment(Map.of("CD4ML_OPERATION_TEST_NAME", "from-the-step")).call();
            assertThat(outcome.succeeded()).as(outcome.message()).isTrue();
            assertThat(outcome.document()).containsEntry("project", "from-the-step");
        }

        @Test
        void readsAnotherConfigFileWhenAsked(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, "print(1)\n", "");
            TestProjects.write(tmp.resolve("ci/other.yaml"), Files.readString(tmp.resolve("config.yaml"))
                    .replace("name: demo", "name: other"));
            TestProjects.write(tmp.resolve("ci/features.yaml"), "features:\n  - {name: x, type: float}\n");
            OperationOutcome outcome = EngineOperation.named("validate").inProject(tmp)
                    .withConfigFile("ci/other.yaml").call();
            assertThat(outcome.succeeded()).as(outcome.message()).isTrue();
            assertThat(outcome.document()).containsEntry("project", "other");
        }
    }

    @Nested
    class Train {

        @Test
        void trainsWithOptionsStreamsEventsAndReturnsTheCliTrainDocument(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, TRAIN_PY, "");
            List<String> lines = new CopyOnWriteArrayList<>();
            OperationOutcome outcome = training(tmp)
                    .withOptions(Map.of("backend", "local", "hyperparameters", Map.of("depth", 7)))
                    .withOutput(lines::add).call();

            assertThat(outcome.succeeded()).as(outcome.message()).isTrue();
            assertThat(outcome.document()).containsEntry("backend", "local").containsKey("model_version");
            assertThat(outcome.summary().metrics()).containsEntry("accuracy", 0.75);
            assertThat(outcome.summary().modelVersion()).isEqualTo(outcome.document().get("model_version"));
            assertThat(lines).as("the override reached the script, and its output the log").contains("  | depth is 7");

            assertPlain(outcome.document());

            Map<String, Object> cli = cliJson("train", "--json", tmp.toString(), "-p", "depth=7");
            assertThat(outcome.document().keySet()).isEqualTo(cli.keySet());
            assertThat(outcome.document().get("model_version")).isEqualTo(cli.get("model_version"))
                    .as("same inputs, same content-addressed model");
        }

        @Test
        void theGateRunsAsTheCliCommandAndReturnsItsDocument(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, TRAIN_PY, "");
            Files.writeString(tmp.resolve("config.yaml"), "quality_gate:\n  metrics:\n    accuracy: {min: 0.9}\n",
                    StandardOpenOption.APPEND);
            OperationOutcome trained = training(tmp).call();
            assertThat(trained.succeeded()).as(trained.message()).isTrue();

            List<String> lines = new CopyOnWriteArrayList<>();
            OperationOutcome gate = EngineOperation.named("gate").inProject(tmp)
                    .withOptions(Map.of("model", trained.summary().modelVersion())).withOutput(lines::add).call();
            assertThat(gate.status()).isEqualTo("failed");
            assertThat(gate.exitCode()).isEqualTo(1);
            assertThat(gate.summary().gate()).isEqualTo("failed");
            assertThat(gate.message()).contains("accuracy");
            assertThat(gate.document()).isEqualTo(cliJson("gate", "--json", tmp.toString(), "--model",
                    trained.summary().modelVersion()));
            assertThat(lines).noneMatch(l -> l.startsWith("error:"));
        }

        @Test
        void aFailingScriptIsFailedWorkWithTheCliErrorDocument(@TempDir Path tmp) {
            TestProjects.project(tmp, "import sys\nprint('no model today')\nsys.exit(3)\n", "");
            OperationOutcome outcome = training(tmp).call();
            assertThat(outcome.status()).isEqualTo("failed");
            assertThat(outcome.exitCode()).isEqualTo(1);
            assertThat(outcome.document()).containsEntry("status", "error").containsEntry("exit_code", 1);
            assertThat(outcome.message()).contains("exit");
        }
    }

    @Nested
    class Run {

        @Test
        void runIsTheCliRunCommandAndReturnsItsDocument(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, TRAIN_PY, "");
            List<String> lines = new CopyOnWriteArrayList<>();
            OperationOutcome outcome = EngineOperation.named("run").inProject(tmp)
                    .withOptions(Map.of("hyperparameters", Map.of("depth", 5)))
                    .withEnvironment(Map.of("PATH", System.getenv("PATH"))).withOutput(lines::add).call();

            assertThat(outcome.succeeded()).as(outcome.message()).isTrue();
            assertThat(outcome.document()).containsEntry("status", "succeeded").containsKey("stages");
            assertThat(lines).as("the option reached the training script").contains("  | depth is 5");
            assertPlain(outcome.document());
            Map<String, Object> cli = cliJson("run", "--json", tmp.toString(), "-p", "depth=5");
            assertThat(outcome.document().keySet()).isEqualTo(cli.keySet());
        }

        @Test
        void runOptionsAreTheCommandsOwnFlags(@TempDir Path tmp) {
            TestProjects.project(tmp, TRAIN_PY, "");
            assertThat(usageError(EngineOperation.named("run").inProject(tmp).withOptions(Map.of("deploy", true))
                    .call())).contains("needs a deploy section");

            assertThat(usageError(EngineOperation.named("run").inProject(tmp).withOptions(Map.of("deplyo", true))
                    .call())).contains("unknown option 'deplyo' for the run operation; its options are ")
                    .contains("deploy", "buildImage", "environment");
        }
    }

    @Nested
    class Stop {

        /** What the plugin does on the agent: the engine on a worker thread, stopped from another. */
        @Test
        void aStoppedOperationEndsItsScriptAndReportsStopped(@TempDir Path tmp) throws Exception {
            Path pidFile = trainingForTenMinutes(tmp);
            CountDownLatch started = new CountDownLatch(1);
            EngineOperation operation = training(tmp)
                    .withOutput(line -> {
                        if (line.equals("  | training started")) {
                            started.countDown();
                        }
                    });
            FutureTask<OperationOutcome> work = new FutureTask<>(operation::call);
            Thread worker = new Thread(work, "cd4ml train under test");
            worker.start();
            assertThat(started.await(60, TimeUnit.SECONDS)).as("the script started").isTrue();
            long pid = Long.parseLong(Files.readString(pidFile).trim());

            worker.interrupt();
            OperationOutcome outcome = work.get(60, TimeUnit.SECONDS);

            assertThat(outcome.status()).isEqualTo("stopped");
            assertThat(outcome.stopped()).isTrue();
            assertThat(outcome.exitCode()).isEqualTo(1);
            assertThat(outcome.document()).containsEntry("status", "stopped");
            assertPlain(outcome.document());
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the script was ended before the operation returned").isFalse();
        }
    }

    /** What the plugin's callable does on an agent: wait for the operation, and stop it when interrupted. */
    @Nested
    class StoppingOnInterrupt {

        @Test
        void anInterruptOfTheWaitingCallerStopsTheOperationAndWaitsUntilItHasStopped(@TempDir Path tmp)
                throws Exception {
            Path pidFile = trainingForTenMinutes(tmp);
            CountDownLatch started = new CountDownLatch(1);
            List<String> lines = new CopyOnWriteArrayList<>();
            EngineOperation operation = training(tmp).withId("interrupted-caller").withOutput(line -> {
                lines.add(line);
                if (line.equals("  | training started")) {
                    started.countDown();
                }
            });
            boolean[] interruptLeftSet = new boolean[1];
            FutureTask<OperationOutcome> caller = new FutureTask<>(() -> {
                OperationOutcome outcome = operation.callStoppingOnInterrupt(Duration.ofSeconds(60));
                interruptLeftSet[0] = Thread.currentThread().isInterrupted();
                return outcome;
            });
            Thread callerThread = new Thread(caller, "remoting call under test");
            callerThread.start();
            assertThat(started.await(60, TimeUnit.SECONDS)).as("the script started").isTrue();
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            assertThat(RunningOperations.isRunning("interrupted-caller")).isTrue();

            callerThread.interrupt();
            OperationOutcome outcome = caller.get(60, TimeUnit.SECONDS);

            assertThat(outcome.status()).isEqualTo("stopped");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the script was ended before the call returned").isFalse();
            assertThat(lines).contains("stopping the train operation and what it started ...");
            assertThat(interruptLeftSet[0]).as("the interrupt is consumed, so the caller can send the outcome").isFalse();
            assertThat(RunningOperations.isRunning("interrupted-caller")).isFalse();
        }

        @Test
        void withoutAnInterruptItReturnsTheOutcomeOfCall(@TempDir Path tmp) throws Exception {
            TestProjects.project(tmp, "print(1)\n", "backend: azure");
            OperationOutcome outcome = EngineOperation.named("validate").inProject(tmp)
                    .callStoppingOnInterrupt(Duration.ofSeconds(1));
            assertThat(outcome.status()).isEqualTo("failed");
            assertThat(outcome.exitCode()).isEqualTo(2);
        }
    }

    @Nested
    class Usage {

        @Test
        void anUnknownOperationListsTheKnownOnes() {
            assertThat(usageError(EngineOperation.named("trian").call())).contains("'trian' is not a cd4ml operation; "
                    + "expected one of validate, train, buildImage, run, tune, gate, deploy, rollback, promote, "
                    + "abortCanary, history");
        }

        @Test
        void cliNamesWorkToo() {
            assertThat(Operation.named("build-image")).isEqualTo(Operation.BUILD_IMAGE);
            assertThat(Operation.named("buildImage")).isEqualTo(Operation.BUILD_IMAGE);
        }

        @Test
        void unknownOptionsAreNamedWithTheKnownOnesBeforeAnythingRuns(@TempDir Path tmp) {
            assertThat(usageError(training(tmp).withOptions(Map.of("backnd", "docker")).call()))
                    .contains("unknown option 'backnd' for the train operation; its options are attach, backend, "
                            + "hyperparameters, image");
        }

        @Test
        void anOptionOfTheWrongTypeSaysWhatIsExpected(@TempDir Path tmp) {
            TestProjects.project(tmp, "print(1)\n", "");
            assertThat(usageError(training(tmp).withOptions(Map.of("hyperparameters", "depth=3")).call()))
                    .contains("option 'hyperparameters' of the train operation is 'depth=3'; expected a map");
        }

        @Test
        void anUnknownBackendListsTheBackends(@TempDir Path tmp) {
            TestProjects.project(tmp, "print(1)\n", "");
            assertThat(usageError(training(tmp).withOptions(Map.of("backend", "azure")).call()))
                    .contains("'azure' is not a backend; expected one of local, docker, kubernetes, sagemaker");
        }

        @Test
        void commandOptionsBecomeTheCommandsOwnOptions(@TempDir Path tmp) {
            assertThat(EmbeddedCli.arguments("build-image", "buildImage", tmp, "ci/config.yaml",
                    new LinkedHashMap<>(Map.of("baseImage", "python:3.11", "push", false))))
                    .containsSubsequence("build-image", "--json", "--config", "ci/config.yaml")
                    .containsSubsequence("--base-image", "python:3.11").contains("--no-push", tmp.toString());
            assertThat(EmbeddedCli.arguments("tune", "tune", tmp, null,
                    Map.of("hyperparameters", Map.of("layers", List.of(32, 16)))))
                    .containsSubsequence("--hyperparameter", "layers=[32,16]");
            assertThat(EmbeddedCli.has("gate")).isTrue();
            assertThat(EmbeddedCli.has("teleport")).isFalse();
        }

        @Test
        void anUnknownCommandOptionListsTheCommandsOptionsAsAJenkinsfileSpellsThem(@TempDir Path tmp) {
            assertThat(usageError(EngineOperation.named("gate").inProject(tmp).withOptions(Map.of("modle", "abc"))
                    .call())).contains("unknown option 'modle' for the gate operation; its options are model")
                    .doesNotContain("json", "stacktrace");
        }
    }
}
