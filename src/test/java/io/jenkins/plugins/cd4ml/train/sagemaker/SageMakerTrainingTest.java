package io.jenkins.plugins.cd4ml.train.sagemaker;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.error;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.job;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.ok;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.sagemakerCall;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Training on (simulated) SageMaker end to end: status, logs, results, failures, stopping, attaching. */
class SageMakerTrainingTest {

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    @TempDir
    Path tmp;

    private SageMakerTestbed bed;
    private ProjectConfig config;

    @BeforeEach
    void start() {
        bed = new SageMakerTestbed(proxy, tmp.resolve("project"));
        config = bed.project(SageMakerTestbed.defaultSagemakerSection());
        bed.sim.acceptsCreate();
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    /** Starting → Downloading → Training (twice, nothing new) → Uploading → Completed. */
    private void aJobThatCompletes() {
        bed.sim.progress(
                job("InProgress", "Starting").step("Starting", "Preparing the instances for training"),
                job("InProgress", "Downloading").step("Starting", "Preparing the instances for training")
                        .step("Downloading", "Downloading input data"),
                job("InProgress", "Training").step("Starting", "Preparing the instances for training")
                        .step("Downloading", "Downloading input data")
                        .step("Training", "Training image download completed. Training in progress."),
                job("InProgress", "Training").step("Starting", "Preparing the instances for training")
                        .step("Downloading", "Downloading input data")
                        .step("Training", "Training image download completed. Training in progress."),
                job("InProgress", "Uploading").step("Starting", "Preparing the instances for training")
                        .step("Downloading", "Downloading input data")
                        .step("Training", "Training image download completed. Training in progress.")
                        .step("Uploading", "Uploading generated training model"),
                job("Completed", "Completed").step("Starting", "Preparing the instances for training")
                        .step("Downloading", "Downloading input data")
                        .step("Training", "Training image download completed. Training in progress.")
                        .step("Uploading", "Uploading generated training model")
                        .step("Completed", "Training job completed")
                        .modelArtifacts(SageMakerTestbed.modelUri())
                        .finalMetric("accuracy", 0.95).finalMetric("loss", 0.12));
        bed.sim.logStream("algo-1", "Invoking script with the following command:", "/miniconda3/bin/python train.py",
                "epoch 1 accuracy=0.90", "epoch 2 accuracy=0.95", "saved model.joblib");
        bed.onSleep = () -> {
            String name = bed.sim.createdJobName();
            if (name != null) {
                bed.putJobResults(name, Map.of("model.joblib", "weights", "sub/vocab.txt", "a b c"),
                        Map.of("metrics.json", "{\"f1_macro\": 0.94}", "report.txt", "ok",
                                TrainingRequirements.VERSIONS_FILE, "{\"python\": \"3.9.18\", \"packages\": "
                                        + "{\"scikit-learn\": \"1.2.2\"}}"));
            }
        };
    }

    @Nested
    class ACompletedJob {

        @Test
        void streamsStatusAndLogThenStoresTheModelWithMetrics() throws Exception {
            aJobThatCompletes();

            TrainingResult result = bed.trainer(config).promoting(true).call();

            String job = result.runId();
            assertThat(result.backend()).isEqualTo("sagemaker");
            assertThat(result.jobId()).isEqualTo(job);
            assertThat(bed.logLines()).containsExactly("Invoking script with the following command:",
                    "/miniconda3/bin/python train.py", "epoch 1 accuracy=0.90", "epoch 2 accuracy=0.95",
                    "saved model.joblib");
            assertThat(bed.messages()).containsSubsequence(
                    "created SageMaker training job " + job + " in eu-west-1 (2 x ml.m5.xlarge, spot)",
                    "SageMaker training job " + job + " is InProgress",
                    "  Starting: Preparing the instances for training",
                    "  Downloading: Downloading input data",
                    "  Training: Training image download completed. Training in progress.",
                    "  Uploading: Uploading generated training model",
                    "SageMaker training job " + job + " is Completed",
                    "  Completed: Training job completed");
            assertThat(bed.messages()).filteredOn(m -> m.startsWith("  Training:")).hasSize(1);
            // final metrics from SageMaker, the log regexes, and metrics.json from output.tar.gz
            assertThat(result.metrics()).containsExactlyInAnyOrderEntriesOf(Map.of("accuracy", 0.95, "loss", 0.12,
                    "f1_macro", 0.94));
            assertThat(result.modelUri()).isEqualTo("s3://models/cd4ml/demo/" + result.modelVersion()
                    + "/model.tar.gz");
            assertThat(S3Proxies.text(bed.s3, "models", "cd4ml/demo/LATEST")).isEqualTo(result.modelVersion() + "\n");
            Path stored = S3Proxies.download(bed.s3, "models", "cd4ml/demo/" + result.modelVersion()
                    + "/model.tar.gz", tmp.resolve("stored/model.tar.gz"));
            ModelManifest manifest = ModelArchive.readManifest(stored);
            assertThat(manifest.backend()).isEqualTo(new ModelManifest.BackendInfo("sagemaker", job));
            assertThat(manifest.environment()).as("the versions the container recorded in output.tar.gz")
                    .contains(new ModelManifest.TrainingEnvironment("3.9.18", Map.of("scikit-learn", "1.2.2")));
            assertThat(manifest.hyperparameters()).containsExactlyInAnyOrderEntriesOf(Map.of("n_estimators", "100",
                    "max_depth", "4", "flag", "true"));
            assertThat(manifest.data()).singleElement().satisfies(d -> {
                assertThat(d.uri()).isEqualTo("s3://data/iris/");
                assertThat(d.sha256()).hasSize(64);
            });
            ModelArchive.extract(stored, tmp.resolve("stored/model"));
            assertThat(tmp.resolve("stored/model/model.joblib")).hasContent("weights");
            assertThat(tmp.resolve("stored/model/sub/vocab.txt")).hasContent("a b c");
            Path run = Path.of(result.runDirectory());
            assertThat(run.resolve("output/data/report.txt")).hasContent("ok");
            assertThat(Files.readString(run.resolve("training.log"))).contains("epoch 2 accuracy=0.95");
            assertThat(result.logLocation()).isEqualTo("CloudWatch Logs /aws/sagemaker/TrainingJobs, streams "
                    + job + "/* (eu-west-1)");
        }

        @Test
        void readsTheLogFromTheHeadAndFollowsTheForwardToken() {
            aJobThatCompletes();

            TrainingResult result = bed.trainer(config).call();

            assertThat(bed.sim.requests("Logs_20140328.DescribeLogStreams")).first().satisfies(r -> {
                assertThat(r.get("logGroupName").asText()).isEqualTo("/aws/sagemaker/TrainingJobs");
                assertThat(r.get("logStreamNamePrefix").asText()).isEqualTo(result.runId() + "/");
            });
            List<JsonNode> reads = bed.sim.requests("Logs_20140328.GetLogEvents");
            assertThat(reads).allSatisfy(r -> {
                assertThat(r.get("logStreamName").asText()).isEqualTo(result.runId() + "/algo-1-1735732800");
                assertThat(r.get("startFromHead").asBoolean()).isTrue();
            });
            assertThat(reads.get(0).has("nextToken")).isFalse();
            assertThat(reads.subList(1, reads.size())).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.get("nextToken").asText()).startsWith("f/"));
        }

        @Test
        void pollsEveryFiveSecondsWhileThingsHappenAndBacksOffWhenNothingDoes() {
            bed.sim.progress(job("InProgress", "Training").step("Training", "Training in progress."));
            bed.sim.logStream("algo-1");
            AtomicReference<Integer> polls = new AtomicReference<>(0);
            SageMakerTrainingBackend backend = bed.backend(duration -> {
                bed.sleeps.add(duration);
                if (polls.updateAndGet(n -> n + 1) == 8) {
                    String name = bed.sim.createdJobName();
                    bed.putJobResults(name, Map.of("model.joblib", "w"), Map.of());
                    bed.sim.progress(job("Completed", "Completed").step("Training", "Training in progress.")
                            .step("Completed", "Training job completed").modelArtifacts(SageMakerTestbed.modelUri()));
                }
            });

            bed.trainer(config, backend).call();

            assertThat(bed.sleeps).containsExactly(Duration.ofSeconds(5), Duration.ofMillis(7500),
                    Duration.ofMillis(11250), Duration.ofMillis(16875), Duration.parse("PT25.3125S"),
                    Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30));
        }

        @Test
        void namesTheHostOnEachLineWhenSeveralInstancesTrain() {
            bed.sim.progress(job("Completed", "Completed").instanceCount(2)
                    .modelArtifacts(SageMakerTestbed.modelUri()));
            bed.sim.logStream("algo-2", "worker ready");
            String name = "demo-multi-host";
            bed.putJobResults(name, Map.of("model.joblib", "w"), Map.of());

            bed.trainer(config).attachingTo(name).call();

            assertThat(bed.logLines()).containsExactly("[algo-2] worker ready");
        }
    }

    @Nested
    class AJobThatDoesNotComplete {

        @Test
        void failedReportsTheFailureReasonAndTheJob() {
            bed.sim.progress(job("InProgress", "Training"), job("Failed", "Failed")
                    .failureReason("AlgorithmError: ExecuteUserScriptError: column 'species' is missing"));
            bed.sim.logStream("algo-1", "Traceback (most recent call last):", "KeyError: 'species'");

            assertThatThrownBy(() -> bed.trainer(config).promoting(true).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessageMatching("SageMaker training job demo-[0-9-]+-[0-9a-f]{4} failed: AlgorithmError: "
                            + "ExecuteUserScriptError: column 'species' is missing")
                    .satisfies(e -> assertThat(((TrainingFailedException) e).suggestion()).get().asString()
                            .contains("/aws/sagemaker/TrainingJobs"));
            assertThat(bed.logLines()).contains("KeyError: 'species'");
            assertThat(bed.s3.listObjectsV2(b -> b.bucket("models").prefix("cd4ml/demo/")).contents())
                    .as("nothing stored, nothing promoted").noneMatch(o -> o.key().endsWith("/LATEST")
                            || o.key().endsWith("/model.tar.gz") && !o.key().contains("/jobs/"));
        }

        @Test
        void stoppedOutsideCd4mlIsAFailureThatSaysSo() {
            bed.sim.progress(job("InProgress", "Training"), job("Stopped", "Stopped"));

            assertThatThrownBy(() -> bed.trainer(config).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessageContaining("was stopped outside cd4ml");
            assertThat(bed.sim.requests("SageMaker.StopTrainingJob")).isEmpty();
        }

        @Test
        void stoppedForExceedingTheTimeoutSaysWhichSetting() {
            bed.sim.progress(job("InProgress", "Training"), job("Stopped", "MaxRuntimeExceeded"));

            assertThatThrownBy(() -> bed.trainer(config).call())
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessageMatching("training exceeded train.timeout \\(1h\\) and SageMaker stopped job .*");
        }
    }

    @Nested
    class Throttling {

        @Test
        void aThrottledDescribeIsRetriedAndTrainingSucceeds() {
            aJobThatCompletes();
            String throttled = "throttled";
            bed.sim.server().stubFor(sagemakerCall("DescribeTrainingJob").inScenario(throttled)
                    .whenScenarioStateIs(Scenario.STARTED).atPriority(1)
                    .willReturn(error(400, "ThrottlingException", "Rate exceeded"))
                    .willSetStateTo("answered"));

            TrainingResult result = bed.trainer(config).call();

            assertThat(result.modelVersion()).isNotBlank();
            List<JsonNode> describes = bed.sim.requests("SageMaker.DescribeTrainingJob");
            assertThat(describes).hasSizeGreaterThan(6); // one throttled, then one per state
            assertThat(bed.events).noneMatch(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING);
        }

        @Test
        void throttlingThatOutlastsTheRetriesIsWarnedAboutAndPolledAgain() {
            aJobThatCompletes();
            String throttled = "throttled";
            bed.sim.server().stubFor(sagemakerCall("DescribeTrainingJob").inScenario(throttled)
                    .whenScenarioStateIs(Scenario.STARTED).atPriority(1)
                    .willReturn(error(400, "ThrottlingException", "Rate exceeded")).willSetStateTo("2"));
            for (String state : List.of("2", "3")) {
                bed.sim.server().stubFor(sagemakerCall("DescribeTrainingJob").inScenario(throttled)
                        .whenScenarioStateIs(state).atPriority(1)
                        .willReturn(error(400, "ThrottlingException", "Rate exceeded"))
                        .willSetStateTo(state.equals("2") ? "3" : "answered"));
            }

            TrainingResult result = bed.trainer(config).call();

            assertThat(result.modelVersion()).isNotBlank();
            assertThat(bed.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.Message.class, m -> {
                assertThat(m.level()).isEqualTo(Event.Level.WARNING);
                assertThat(m.text()).contains("could not read the status of training job", "Rate exceeded",
                        "trying again");
            }));
        }
    }

    @Nested
    class Stopping {

        /** Runs training on another thread whose first sleep blocks, cancels it there, and returns what it threw. */
        private Throwable cancelWhileTraining() throws Exception {
            CountDownLatch sleeping = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean interruptedAfter = new AtomicBoolean();
            SageMakerTrainingBackend backend = bed.backend(duration -> {
                bed.sleeps.add(duration);
                if (first.getAndSet(false)) {
                    sleeping.countDown();
                    Thread.sleep(TimeUnit.MINUTES.toMillis(5));
                }
            });
            Thread caller = new Thread(() -> {
                try {
                    bed.trainer(config, backend).call();
                } catch (Throwable t) {
                    thrown.set(t);
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            caller.start();
            assertThat(sleeping.await(30, TimeUnit.SECONDS)).isTrue();
            bed.cancel.cancel();
            caller.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(caller.isAlive()).isFalse();
            assertThat(interruptedAfter).as("the caller's thread is not left interrupted").isFalse();
            return thrown.get();
        }

        @Test
        void cancellingTheTokenStopsTheTrainingJobAndSaysWhichJob() throws Exception {
            bed.sim.progress(job("InProgress", "Training"));
            bed.sim.logStream("algo-1", "epoch 1");
            bed.sim.server().stubFor(sagemakerCall("StopTrainingJob").willReturn(ok("{}")));
            bed.onSleep = () -> { };
            // once StopTrainingJob arrives, SageMaker reports Stopping
            bed.sim.server().addMockServiceRequestListener((request, response) -> {
                if ("SageMaker.StopTrainingJob".equals(request.getHeader("X-Amz-Target"))) {
                    bed.sim.progress(job("Stopping", "Stopping"));
                }
            });

            Throwable thrown = cancelWhileTraining();

            String job = bed.sim.createdJobName();
            assertThat(thrown).isInstanceOf(OperationStoppedException.class)
                    .hasMessage("stopped: SageMaker training job " + job + " (Stopping)");
            List<JsonNode> stops = bed.sim.requests("SageMaker.StopTrainingJob");
            assertThat(stops).singleElement().satisfies(r -> assertThat(r.toString())
                    .isEqualTo("{\"TrainingJobName\":\"" + job + "\"}"));
            bed.sim.server().verify(1, postRequestedFor(urlEqualTo("/"))
                    .withHeader("X-Amz-Target", equalTo("SageMaker.StopTrainingJob")));
        }

        @Test
        void stoppingAJobThatAlreadyCompletedIsNotAnError() throws Exception {
            bed.sim.progress(job("InProgress", "Training"));
            bed.sim.logStream("algo-1", "epoch 1");
            bed.sim.server().addMockServiceRequestListener((request, response) -> {
                if ("SageMaker.StopTrainingJob".equals(request.getHeader("X-Amz-Target"))) {
                    bed.sim.progress(job("Completed", "Completed"));
                }
            });
            bed.sim.server().stubFor(sagemakerCall("StopTrainingJob").willReturn(error(400, "ValidationException",
                    "The request was rejected because the training job is in status Completed.")));

            Throwable thrown = cancelWhileTraining();

            assertThat(thrown).isInstanceOf(OperationStoppedException.class)
                    .hasMessage("stopped: SageMaker training job " + bed.sim.createdJobName() + " (Completed)");
            assertThat(bed.events).noneMatch(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING);
        }
    }

    @Nested
    class Attaching {

        private static final String JOB = "demo-20250101-120000-abcd";

        @Test
        void followsAnExistingJobFromTheStartAndStoresItsModelWithItsHyperparameters() throws Exception {
            Map<String, String> ran = Map.of("n_estimators", "300", "max_depth", "4", "flag", "true",
                    "sagemaker_program", "\"train.py\"",
                    "sagemaker_submit_directory", "\"s3://models/cd4ml/demo/code/" + JOB + "/sourcedir.tar.gz\"");
            bed.sim.progress(
                    job("InProgress", "Training").hyperparameters(ran).channel("train", "s3://data/iris/")
                            .step("Training", "Training in progress."),
                    job("Completed", "Completed").hyperparameters(ran).channel("train", "s3://data/iris/")
                            .step("Training", "Training in progress.").step("Completed", "Training job completed")
                            .modelArtifacts(SageMakerTestbed.modelUri()).finalMetric("accuracy", 0.97));
            bed.sim.logStream("algo-1", "line written before we attached", "accuracy=0.97");
            bed.putJobResults(JOB, Map.of("model.joblib", "attached weights"), Map.of());

            TrainingResult result = bed.trainer(config).attachingTo(JOB).call();

            assertThat(bed.sim.requests("SageMaker.CreateTrainingJob")).isEmpty();
            assertThat(bed.sim.requests("SageMaker.DescribeTrainingJob"))
                    .allSatisfy(r -> assertThat(r.get("TrainingJobName").asText()).isEqualTo(JOB));
            assertThat(bed.logLines()).containsExactly("line written before we attached", "accuracy=0.97");
            assertThat(bed.sim.requests("Logs_20140328.GetLogEvents").get(0).has("nextToken")).isFalse();
            assertThat(result.runId()).isEqualTo(JOB);
            assertThat(result.jobId()).isEqualTo(JOB);
            assertThat(result.metrics()).containsEntry("accuracy", 0.97);
            ModelManifest manifest = ModelArchive.readManifest(S3Proxies.download(bed.s3, "models",
                    "cd4ml/demo/" + result.modelVersion() + "/model.tar.gz", tmp.resolve("got/model.tar.gz")));
            assertThat(manifest.hyperparameters()).containsExactlyInAnyOrderEntriesOf(Map.of("n_estimators", "300",
                    "max_depth", "4", "flag", "true"));
            assertThat(manifest.runId()).isEqualTo(JOB);
            assertThat(bed.messages()).contains("attached to SageMaker training job " + JOB
                    + " in eu-west-1 (InProgress)");
        }

        @Test
        void anInterruptWhileAttachedStopsTheJobLikeAfterCreating() throws Exception {
            bed.sim.progress(job("InProgress", "Training").named(JOB));
            bed.sim.logStream("algo-1", "epoch 1");
            bed.sim.server().stubFor(sagemakerCall("StopTrainingJob").willReturn(ok("{}")));
            CountDownLatch sleeping = new CountDownLatch(1);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            SageMakerTrainingBackend backend = bed.backend(duration -> {
                bed.sleeps.add(duration);
                if (sleeping.getCount() > 0) {
                    sleeping.countDown();
                    Thread.sleep(TimeUnit.MINUTES.toMillis(5));
                }
            });
            Thread caller = new Thread(() -> {
                try {
                    bed.trainer(config, backend).attachingTo(JOB).call();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            caller.start();
            assertThat(sleeping.await(30, TimeUnit.SECONDS)).isTrue();
            caller.interrupt();
            caller.join(TimeUnit.SECONDS.toMillis(30));

            // SageMaker keeps answering InProgress here: the stop waits its ten polls, then reports what it sent
            assertThat(thrown.get()).isInstanceOf(OperationStoppedException.class)
                    .hasMessage("stopped: SageMaker training job " + JOB + " (StopTrainingJob sent)");
            assertThat(bed.sleeps.subList(1, bed.sleeps.size())).hasSize(SageMakerTrainingBackend.STOP_POLLS)
                    .containsOnly(SageMakerTrainingBackend.STOP_POLL);
            assertThat(bed.sim.requests("SageMaker.StopTrainingJob")).singleElement()
                    .satisfies(r -> assertThat(r.get("TrainingJobName").asText()).isEqualTo(JOB));
        }

        @Test
        void aJobThatDoesNotExistIsNamedWithItsRegion() {
            bed.sim.server().stubFor(sagemakerCall("DescribeTrainingJob")
                    .willReturn(error(400, "ValidationException", "Requested resource not found.")));

            assertThatThrownBy(() -> bed.trainer(config).attachingTo("demo-nope").call())
                    .hasMessage("SageMaker rejected DescribeTrainingJob (training job demo-nope, region eu-west-1): "
                            + "Requested resource not found.")
                    .satisfies(e -> assertThat(((io.jenkins.plugins.cd4ml.Cd4mlException) e).suggestion()).get()
                            .asString().contains("check the job name and the region"));
        }
    }
}
