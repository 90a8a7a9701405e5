package io.jenkins.plugins.cd4ml.train.sagemaker;

import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ConfigProblem;
import io.jenkins.plugins.cd4ml.config.InvalidConfigException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.ScriptMode;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.tune.Trial;
import io.jenkins.plugins.cd4ml.tune.TrialStatus;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import io.jenkins.plugins.cd4ml.tune.Tuner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.MetricDefinition;

/**
 * SageMaker's own hyperparameter tuning (train.backend: sagemaker): the tuning job request, the
 * polling, the trials and the best model, a failed and a stopped tuning job, the opt-out and the
 * settings SageMaker refuses. The simulated tuning jobs run the project's real train.py.
 */
class SageMakerTuningTest {

    /** accuracy = a known function of x, n and kind, printed three times (rising to the final value). */
    static final String TRAIN_PY = """
            import json, os, sys, time
            hp = json.loads(os.environ["SM_HPS"])
            x = float(hp["x"]) if "x" in hp else 0.3
            n = int(hp["n"]) if "n" in hp else 7
            kind = str(hp.get("kind", "a"))
            with open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "iris.csv")) as data:
                rows = len(data.read().splitlines())
            if kind == "bad":
                with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
                    f.write("kind bad cannot train")
                sys.exit(1)
            score = 1 - (x - 0.3) ** 2 - ((n - 7) / 10) ** 2 - (0.1 if kind == "b" else 0)
            for step in (1, 2, 3):
                print(f"epoch {step} rows={rows} accuracy={score * step / 3:.6f}", flush=True)
                time.sleep(float(hp.get("pause", 0)))
            with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
                f.write(f"{x} {n} {kind}")
            """;

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    @TempDir
    Path tmp;

    private SageMakerTestbed bed;
    private SimulatedTuning tuning;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    @BeforeEach
    void start() {
        bed = new SageMakerTestbed(proxy, tmp.resolve("project"));
        tuning = bed.sim.runsTuningJobs(bed.s3, tmp.resolve("containers"));
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    static double score(Map<String, String> p) {
        double x = Double.parseDouble(p.getOrDefault("x", "0.3"));
        double n = Double.parseDouble(p.getOrDefault("n", "7"));
        return 1 - Math.pow(x - 0.3, 2) - Math.pow((n - 7) / 10, 2) - ("b".equals(p.get("kind")) ? 0.1 : 0);
    }

    private ProjectConfig project(String tune) {
        return project(tune, "{n_estimators: 100}");
    }

    private ProjectConfig project(String tune, String hyperparameters) {
        return project(tune, hyperparameters, "");
    }

    /** The project, with {@code sections} (YAML) after the tune section. */
    private ProjectConfig project(String tune, String hyperparameters, String sections) {
        TestProjects.write(bed.project.resolve("config.yaml"), SageMakerTestbed.config(hyperparameters,
                List.of("accuracy"), " {role_arn: '" + SageMakerTestbed.ROLE + "', instance_type: ml.m5.large, "
                        + "region: eu-west-1}\n") + "tune:\n" + tune.indent(2) + sections);
        bed.writeFeatures();
        TestProjects.write(bed.project.resolve("train.py"), TRAIN_PY);
        return ConfigLoader.forProject(bed.project).withEnvironment(Map.of()).load();
    }

    /** The tune section of a random search for the best accuracy over x in [0, 1]. */
    private static String randomSearchOfX(int maxTrials, int parallelTrials) {
        return TestProjects.randomSearchOfX("accuracy", maxTrials, parallelTrials);
    }

    /** Polls as in production, but each sleep lasts until the simulated tuning job changes. */
    private SageMakerTrainingBackend backend() {
        AtomicLong seen = new AtomicLong();
        return bed.backend(duration -> {
            bed.sleeps.add(duration);
            seen.set(tuning.awaitChange(seen.get()));
        });
    }

    private Tuner tuner(ProjectConfig config, EventSink events) {
        SageMakerTrainingBackend backend = backend();
        return Tuner.forProject(config, EngineContext.builder().events(events).cancel(bed.cancel).build())
                .withSageMaker(backend).withTrainer(t -> t.withBackend(backend).withS3(bed.s3));
    }

    private TuneResult tune(ProjectConfig config) {
        return tuner(config, bed.events::add).call();
    }

    private JsonNode createRequest() {
        List<JsonNode> creates = bed.sim.requests("SageMaker.CreateHyperParameterTuningJob");
        assertThat(creates).hasSize(1);
        return creates.get(0);
    }

    @Nested
    class TheRequest {

        @Test
        void mapsStrategyRangesWithScalingObjectiveLimitsEarlyStoppingAndSeed() {
            ProjectConfig config = project("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: bayesian
                    max_trials: 3
                    parallel_trials: 2
                    early_stopping: auto
                    seed: 7
                    parameters:
                      x: {type: float, min: 0.01, max: 1, scale: log}
                      n: {type: int, min: 2, max: 12}
                      kind: {type: categorical, values: [a, b]}
                    """);

            TuneResult result = tune(config);

            JsonNode request = createRequest();
            String name = request.get("HyperParameterTuningJobName").asText();
            assertThat(name).isEqualTo(result.tuneId()).startsWith("demo-").hasSizeLessThanOrEqualTo(32)
                    .matches("[a-zA-Z0-9](-*[a-zA-Z0-9])*");
            JsonNode c = request.get("HyperParameterTuningJobConfig");
            assertThat(c.get("Strategy").asText()).isEqualTo("Bayesian");
            assertThat(c.get("HyperParameterTuningJobObjective").toString())
                    .isEqualTo("{\"Type\":\"Maximize\",\"MetricName\":\"accuracy\"}");
            assertThat(c.get("ResourceLimits").toString())
                    .isEqualTo("{\"MaxNumberOfTrainingJobs\":3,\"MaxParallelTrainingJobs\":2}");
            assertThat(c.get("TrainingJobEarlyStoppingType").asText()).isEqualTo("Auto");
            assertThat(c.get("RandomSeed").asInt()).isEqualTo(7);
            JsonNode ranges = c.get("ParameterRanges");
            assertThat(ranges.get("ContinuousParameterRanges").toString()).isEqualTo(
                    "[{\"Name\":\"x\",\"MinValue\":\"0.01\",\"MaxValue\":\"1\",\"ScalingType\":\"Logarithmic\"}]");
            assertThat(ranges.get("IntegerParameterRanges").toString()).isEqualTo(
                    "[{\"Name\":\"n\",\"MinValue\":\"2\",\"MaxValue\":\"12\",\"ScalingType\":\"Linear\"}]");
            assertThat(ranges.get("CategoricalParameterRanges").toString())
                    .isEqualTo("[{\"Name\":\"kind\",\"Values\":[\"a\",\"b\"]}]");
            assertThat(request.has("WarmStartConfig")).isFalse();
            assertThat(request.get("Tags").findValuesAsText("Value")).contains("demo", name);
        }

        @Test
        void sendsTheTrainingJobDefinitionASingleJobGetsWithoutTheTunedHyperparameters() throws Exception {
            ProjectConfig config = project("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: random
                    max_trials: 1
                    parameters:
                      x: {type: float, min: 0.1, max: 0.5}
                    """, "{n_estimators: 100, x: 0.2}");

            TuneResult result = tune(config);

            JsonNode sent = createRequest().get("TrainingJobDefinition");
            Map<String, String> hps = Map.of("n_estimators", "100", "x", "0.2");
            TrainingJob single = new TrainingJob(result.tuneId(), config,
                    RunDirectory.create(tmp.resolve("single")), ScriptMode.command(config.train(), hps), hps,
                    config.train().timeout());
            CreateTrainingJobRequest expected = JobDefinition.request(single, "eu-west-1", Optional.empty());
            assertThat(sent.at("/AlgorithmSpecification/TrainingImage").asText())
                    .isEqualTo(expected.algorithmSpecification().trainingImage()).isEqualTo(SageMakerTestbed.IMAGE);
            assertThat(sent.at("/AlgorithmSpecification/TrainingInputMode").asText())
                    .isEqualTo(expected.algorithmSpecification().trainingInputModeAsString());
            List<MetricDefinition> metrics = expected.algorithmSpecification().metricDefinitions();
            assertThat(sent.at("/AlgorithmSpecification/MetricDefinitions")).hasSize(metrics.size());
            assertThat(sent.at("/AlgorithmSpecification/MetricDefinitions/0/Name").asText())
                    .isEqualTo(metrics.get(0).name()).isEqualTo("accuracy");
            assertThat(sent.at("/AlgorithmSpecification/MetricDefinitions/0/Regex").asText())
                    .isEqualTo(metrics.get(0).regex()).isEqualTo("accuracy=([0-9.]+)");
            assertThat(sent.get("RoleArn").asText()).isEqualTo(expected.roleArn());
            assertThat(sent.at("/InputDataConfig/0/ChannelName").asText()).isEqualTo("train");
            assertThat(sent.at("/InputDataConfig/0/DataSource/S3DataSource/S3Uri").asText())
                    .isEqualTo(expected.inputDataConfig().get(0).dataSource().s3DataSource().s3Uri());
            assertThat(sent.at("/OutputDataConfig/S3OutputPath").asText())
                    .isEqualTo(expected.outputDataConfig().s3OutputPath()).isEqualTo("s3://models/cd4ml/demo/jobs/");
            assertThat(sent.at("/ResourceConfig/InstanceType").asText())
                    .isEqualTo(expected.resourceConfig().instanceTypeAsString());
            assertThat(sent.at("/ResourceConfig/InstanceCount").asInt())
                    .isEqualTo(expected.resourceConfig().instanceCount());
            assertThat(sent.at("/ResourceConfig/VolumeSizeInGB").asInt())
                    .isEqualTo(expected.resourceConfig().volumeSizeInGB());
            assertThat(sent.at("/StoppingCondition/MaxRuntimeInSeconds").asInt())
                    .isEqualTo(expected.stoppingCondition().maxRuntimeInSeconds()).isEqualTo(3600);
            assertThat(sent.get("EnableManagedSpotTraining").asBoolean())
                    .isEqualTo(expected.enableManagedSpotTraining());
            Map<String, String> environment = new java.util.LinkedHashMap<>();
            sent.get("Environment").fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
            assertThat(environment).isEqualTo(expected.environment());
            Map<String, String> fixed = new java.util.LinkedHashMap<>();
            sent.get("StaticHyperParameters").fields().forEachRemaining(e -> fixed.put(e.getKey(),
                    e.getValue().asText()));
            Map<String, String> expectedFixed = new java.util.LinkedHashMap<>(expected.hyperParameters());
            expectedFixed.remove("x");
            assertThat(fixed).isEqualTo(expectedFixed).containsEntry("n_estimators", "100").doesNotContainKey("x")
                    .containsEntry("sagemaker_program", "\"cd4ml_requirements.py\"")
                    .containsEntry("sagemaker_submit_directory",
                            "\"s3://models/cd4ml/demo/code/" + result.tuneId() + "/sourcedir.tar.gz\"");
            assertThat(bed.s3.headObject(b -> b.bucket("models").key("cd4ml/demo/code/" + result.tuneId()
                    + "/sourcedir.tar.gz")).contentLength()).as("the code, uploaded once for every training job")
                    .isPositive();
        }

        @Test
        void aGridSendsCategoricalValuesOnlyWithoutAMaximumAndRunsEveryCombination() {
            ProjectConfig config = project("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: grid
                    max_trials: 4
                    parallel_trials: 2
                    early_stopping: auto
                    parameters:
                      n: {type: int, min: 6, max: 7}
                      kind: {type: categorical, values: [a, b]}
                    """);

            TuneResult result = tune(config);

            JsonNode c = createRequest().get("HyperParameterTuningJobConfig");
            assertThat(c.get("Strategy").asText()).isEqualTo("Grid");
            assertThat(c.get("ResourceLimits").toString()).isEqualTo("{\"MaxParallelTrainingJobs\":2}");
            assertThat(c.get("ParameterRanges").toString()).isEqualTo("{\"CategoricalParameterRanges\":["
                    + "{\"Name\":\"n\",\"Values\":[\"6\",\"7\"]},{\"Name\":\"kind\",\"Values\":[\"a\",\"b\"]}]}");
            assertThat(result.trials()).extracting(Trial::parameters).containsExactlyInAnyOrder(
                    Map.of("n", "6", "kind", "a"), Map.of("n", "6", "kind", "b"), Map.of("n", "7", "kind", "a"),
                    Map.of("n", "7", "kind", "b"));
            assertThat(result.best().parameters()).isEqualTo(Map.of("n", "7", "kind", "a"));
        }

        @Test
        void hyperbandLeavesEarlyStoppingOffAsSageMakerRequires() {
            ProjectConfig config = project("""
                    objective: {metric: accuracy, goal: minimize}
                    strategy: hyperband
                    max_trials: 2
                    early_stopping: auto
                    parameters:
                      n: {type: int, min: 1, max: 12, scale: log}
                    """);

            TuneResult result = tune(config);

            JsonNode c = createRequest().get("HyperParameterTuningJobConfig");
            assertThat(c.get("Strategy").asText()).isEqualTo("Hyperband");
            assertThat(c.get("TrainingJobEarlyStoppingType").asText()).isEqualTo("Off");
            assertThat(c.at("/HyperParameterTuningJobObjective/Type").asText()).isEqualTo("Minimize");
            assertThat(c.at("/ParameterRanges/IntegerParameterRanges/0/ScalingType").asText()).isEqualTo("Logarithmic");
            assertThat(result.succeeded()).as(result.error()).isTrue();
            assertThat(result.best().value()).isEqualTo(result.trials().stream().map(Trial::value)
                    .min(Double::compare).orElseThrow());
        }

        @Test
        void warmStartsFromEarlierTuningJobsByName() {
            String tune = """
                    objective: {metric: accuracy, goal: maximize}
                    strategy: random
                    max_trials: 1
                    parameters:
                      x: {type: float, min: 0.1, max: 0.5}
                    """;
            String parent = tune(project(tune)).tuneId();
            bed.sim.server().resetRequests();

            TuneResult child = tune(project(tune + "warm_start: [" + parent + "]\n"));

            assertThat(child.succeeded()).as(child.error()).isTrue();
            assertThat(createRequest().get("WarmStartConfig").toString()).isEqualTo("{\"ParentHyperParameterTuningJobs\":"
                    + "[{\"HyperParameterTuningJobName\":\"" + parent + "\"}],\"WarmStartType\":"
                    + "\"IdenticalDataAndAlgorithm\"}");
        }
    }

    @Nested
    class FollowingTheTuningJob {

        @Test
        void reportsEveryTrainingJobAsATrialAndStoresTheBestModelWithoutPromotingIt() throws Exception {
            ProjectConfig config = project(randomSearchOfX(4, 2) + "  n: {type: int, min: 2, max: 12}\n");

            TuneResult result = tune(config);

            assertThat(result.succeeded()).as(result.error()).isTrue();
            List<SimulatedTuning.Job> jobs = tuning.jobsOf(result.tuneId());
            assertThat(jobs).hasSize(4);
            assertThat(result.trials()).hasSize(4).allSatisfy(t -> {
                SimulatedTuning.Job job = jobs.get(t.number());
                assertThat(t.runId()).isEqualTo(job.name);
                assertThat(t.parameters()).isEqualTo(job.tuned);
                assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
                // the final value the script printed, read by the MetricDefinitions regex (6 decimals, float32)
                assertThat(t.value()).isCloseTo(score(t.parameters()), within(2e-6));
                assertThat(t.durationSeconds()).isGreaterThan(0);
            });
            Trial best = result.trials().stream().max(java.util.Comparator.comparing(Trial::value)).orElseThrow();
            assertThat(result.best().number()).isEqualTo(best.number());
            assertThat(result.best().runId()).isEqualTo(tuning.jobsOf(result.tuneId()).stream()
                    .filter(j -> j.name.equals(best.runId())).findFirst().orElseThrow().name);
            assertThat(result.best().modelVersion()).isEqualTo(result.bestTraining().modelVersion()).isNotNull();
            assertThat(result.trials().get(best.number()).modelVersion()).isEqualTo(result.best().modelVersion());
            assertThat(result.search()).isEqualTo("SageMaker hyperparameter tuning job " + result.tuneId() + " (Random)");

            Path stored = S3Proxies.download(bed.s3, "models", "cd4ml/demo/" + result.best().modelVersion()
                    + "/model.tar.gz", tmp.resolve("stored/model.tar.gz"));
            ModelManifest manifest = ModelArchive.readManifest(stored);
            assertThat(manifest.backend()).isEqualTo(new ModelManifest.BackendInfo("sagemaker", best.runId()));
            assertThat(manifest.hyperparameters()).containsAllEntriesOf(best.parameters())
                    .containsEntry("n_estimators", "100").doesNotContainKey("_tuning_objective_metric");
            assertThat(manifest.metrics().get("accuracy")).isCloseTo(best.value(), within(2e-6));
            ModelArchive.extract(stored, tmp.resolve("stored/model"));
            assertThat(Files.readString(tmp.resolve("stored/model/model.txt"))).startsWith(
                    best.parameters().get("x") + " " + best.parameters().get("n") + " a");
            assertThatThrownBy(() -> S3Proxies.text(bed.s3, "models", "cd4ml/demo/LATEST"))
                    .as("the tune stores the best model; promoting it is the caller's")
                    .isInstanceOf(NoSuchKeyException.class);
        }

        @Test
        void emitsTrialStartedAndFinishedAsJobsAppearAndEnd() {
            ProjectConfig config = project(randomSearchOfX(3, 1));

            TuneResult result = tune(config);

            List<Event> trialEvents = bed.events.stream().filter(e -> e instanceof Event.TrialStarted
                    || e instanceof Event.TrialFinished).toList();
            assertThat(trialEvents).hasSize(6);
            for (int i = 0; i < 3; i++) {
                assertThat(trialEvents.get(2 * i)).isEqualTo(new Event.TrialStarted(i,
                        result.trials().get(i).parameters()));
                Event.TrialFinished finished = (Event.TrialFinished) trialEvents.get(2 * i + 1);
                assertThat(finished.trial().number()).isEqualTo(i);
                assertThat(finished.finished()).isEqualTo(i + 1);
            }
            assertThat(bed.sim.requests("SageMaker.ListTrainingJobsForHyperParameterTuningJob")).allSatisfy(r -> {
                assertThat(r.get("HyperParameterTuningJobName").asText()).isEqualTo(result.tuneId());
                assertThat(r.get("MaxResults").asInt()).isEqualTo(100);
            });
            assertThat(bed.sleeps).first().isEqualTo(java.time.Duration.ofSeconds(5));
            assertThat(bed.messages()).contains("SageMaker hyperparameter tuning job " + result.tuneId()
                    + " is InProgress", "SageMaker hyperparameter tuning job " + result.tuneId() + " is Completed");
        }

        @Test
        void aJobEarlyStoppingStoppedIsPrunedAndTheTuneStillSucceeds() {
            ProjectConfig config = project(randomSearchOfX(5, 1) + "early_stopping: auto\n", "{pause: 0.5}");

            TuneResult result = tune(config);

            assertThat(result.succeeded()).as(result.error()).isTrue();
            List<SimulatedTuning.Job> jobs = tuning.jobsOf(result.tuneId());
            assertThat(jobs).filteredOn(j -> j.stoppedEarly).as("the simulator's median rule stopped some").isNotEmpty();
            assertThat(result.trials()).hasSize(5).allSatisfy(t -> {
                SimulatedTuning.Job job = jobs.get(t.number());
                assertThat(t.status()).isEqualTo(job.stoppedEarly ? TrialStatus.PRUNED : TrialStatus.COMPLETED);
                assertThat(job.status).isEqualTo(job.stoppedEarly ? "Stopped" : "Completed");
                // a pruned trial keeps the last value it reported, below the completed jobs' median
                assertThat(t.value()).isCloseTo(job.series.get(job.series.size() - 1), within(1e-6));
            });
            assertThat(result.best().status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(result.count(TrialStatus.PRUNED)).isEqualTo(jobs.stream().filter(j -> j.stoppedEarly).count());
        }

        @Test
        void aFailedTuningJobFailsTheTuneWithSageMakersReason() {
            ProjectConfig config = project("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: random
                    max_trials: 2
                    parallel_trials: 2
                    parameters:
                      kind: {type: categorical, values: [bad]}
                    """);

            TuneResult result = tune(config);

            assertThat(tuning.status(result.tuneId())).isEqualTo("Failed");
            assertThat(result.succeeded()).isFalse();
            assertThat(tuning.failureReason(result.tuneId())).startsWith("No training job succeeded after 2 attempts");
            assertThat(result.error()).isEqualTo("SageMaker hyperparameter tuning job " + result.tuneId()
                    + " failed: " + tuning.failureReason(result.tuneId()));
            assertThat(result.trials()).hasSize(2).allSatisfy(t -> {
                assertThat(t.status()).isEqualTo(TrialStatus.FAILED);
                assertThat(t.error()).isEqualTo("AlgorithmError: kind bad cannot train");
            });
            assertThat(result.bestTraining()).isNull();
        }

        @Test
        void cancellingStopsTheTuningJobAndItsTrainingJobs() throws Exception {
            ProjectConfig config = project(randomSearchOfX(4, 2), "{pause: 20}");
            List<Event> seen = new ArrayList<>();
            EventSink cancelOnFirstTrial = event -> {
                seen.add(event);
                if (event instanceof Event.TrialStarted) {
                    bed.cancel.cancel();
                }
            };

            Throwable thrown = catchThrowable(() -> tuner(config, cancelOnFirstTrial).call());

            List<JsonNode> stops = bed.sim.requests("SageMaker.StopHyperParameterTuningJob");
            assertThat(stops).hasSize(1);
            String name = stops.get(0).get("HyperParameterTuningJobName").asText();
            // SageMaker confirms a stop with Stopping (it then stops the training jobs) or, once done, Stopped
            assertThat(thrown).isInstanceOf(OperationStoppedException.class).hasMessageMatching(
                    ".*SageMaker hyperparameter tuning job " + name + " \\((Stopping|Stopped)\\)");
            long version = tuning.version();
            for (int i = 0; i < 10 && !tuning.status(name).equals("Stopped"); i++) {
                version = tuning.awaitChange(version);
            }
            assertThat(tuning.status(name)).isEqualTo("Stopped");
            assertThat(tuning.jobsOf(name)).isNotEmpty().allSatisfy(j -> assertThat(j.status).isEqualTo("Stopped"));
            assertThat(bed.sim.requests("SageMaker.DescribeTrainingJob")).as("no model is stored").isEmpty();
        }
    }

    @Nested
    class OptingOut {

        @Test
        void nativeFalseRunsTheTrialsAsSingleTrainingJobs() {
            ProjectConfig config = project(randomSearchOfX(1, 1) + "native: false\n");
            bed.sim.server().resetMappings();
            bed.sim.acceptsCreate().progress(job("InProgress", "Training"), job("Completed", "Completed")
                    .modelArtifacts(SageMakerTestbed.modelUri()).finalMetric("accuracy", 0.5));
            bed.sim.logStream("algo-1", "accuracy=0.5");
            bed.onSleep = () -> bed.putJobResults(bed.sim.createdJobName(), Map.of("model.txt", "m"), Map.of());
            SageMakerTrainingBackend backend = bed.backend();

            TuneResult result = Tuner.forProject(config, EngineContext.builder().events(bed.events::add)
                    .cancel(bed.cancel).build()).withTrainer(t -> t.withBackend(backend).withS3(bed.s3)).call();

            assertThat(result.succeeded()).as(result.error()).isTrue();
            assertThat(bed.sim.requests("SageMaker.CreateHyperParameterTuningJob")).isEmpty();
            List<JsonNode> creates = bed.sim.requests("SageMaker.CreateTrainingJob");
            assertThat(creates).singleElement().satisfies(c -> {
                assertThat(c.get("TrainingJobName").asText()).isEqualTo(result.tuneId() + "-t0");
                assertThat(c.at("/HyperParameters/x").asText()).isEqualTo(result.trials().get(0).parameters().get("x"));
            });
        }
    }

    /** cd4ml tune and cd4ml run, configured through the environment as a user would, real polling sleeps. */
    @Nested
    class FromTheCli {

        private int exitCode;
        private String out;
        private String err;

        private void cd4ml(String... args) {
            java.io.StringWriter o = new java.io.StringWriter();
            java.io.StringWriter e = new java.io.StringWriter();
            Map<String, String> environment = Map.of(
                    "AWS_ACCESS_KEY_ID", proxy.getAccessKey(), "AWS_SECRET_ACCESS_KEY", proxy.getSecretKey(),
                    "AWS_REGION", "eu-west-1", "AWS_ENDPOINT_URL_SAGEMAKER", bed.sim.server().baseUrl(),
                    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", bed.sim.server().baseUrl(),
                    "CD4ML_S3_ENDPOINT", proxy.getUri().toString(), "HOME", tmp.toString(),
                    "PATH", System.getenv("PATH"));
            exitCode = io.jenkins.plugins.cd4ml.cli.Main.execute(args, new java.io.PrintWriter(o, true),
                    new java.io.PrintWriter(e, true), environment, new io.jenkins.plugins.cd4ml.engine.CancelToken());
            out = o.toString();
            err = e.toString();
        }

        private static final String TUNE = """
                objective: {metric: accuracy, goal: maximize}
                strategy: grid
                max_trials: 2
                parallel_trials: 2
                parameters:
                  kind: {type: categorical, values: [b, a]}
                """;

        @Test
        void tunePromotesTheBestModelAfterTheGateAsWithoutNativeTuning() throws Exception {
            project(TUNE, "{n_estimators: 100}", "quality_gate:\n  metrics: {accuracy: {min: 0.9}}\n");

            cd4ml("tune", "--json", bed.project.toString());

            assertThat(exitCode).as(err + out).isZero();
            JsonNode json = io.jenkins.plugins.cd4ml.Json.mapper().readTree(out);
            String tuneId = json.get("tune_id").asText();
            assertThat(tuning.status(tuneId)).isEqualTo("Completed");
            assertThat(json.get("trials")).hasSize(2);
            assertThat(json.at("/best/parameters/kind").asText()).isEqualTo("a");
            assertThat(json.at("/best/value").asDouble()).isEqualTo(1.0);
            assertThat(json.at("/gate/passed").asBoolean()).isTrue();
            String version = json.get("model_version").asText();
            assertThat(json.get("promoted").asText()).isEqualTo(version);
            assertThat(S3Proxies.text(bed.s3, "models", "cd4ml/demo/LATEST")).isEqualTo(version + "\n");
        }

        @Test
        void runTunesInsteadOfTrainingAndPromotesTheBestModel() throws Exception {
            project(TUNE);

            cd4ml("run", "--json", bed.project.toString());

            assertThat(exitCode).as(err + out).isZero();
            assertThat(bed.sim.requests("SageMaker.CreateHyperParameterTuningJob")).hasSize(1);
            assertThat(bed.sim.requests("SageMaker.CreateTrainingJob")).isEmpty();
            JsonNode json = io.jenkins.plugins.cd4ml.Json.mapper().readTree(out);
            String latest = S3Proxies.text(bed.s3, "models", "cd4ml/demo/LATEST").strip();
            assertThat(json.toString()).contains(latest);
            Path stored = S3Proxies.download(bed.s3, "models", "cd4ml/demo/" + latest + "/model.tar.gz",
                    tmp.resolve("latest/model.tar.gz"));
            assertThat(ModelArchive.readManifest(stored).hyperparameters()).containsEntry("kind", "a");
        }

        @Test
        void aFailedTuningJobExitsOneWithSageMakersReason() {
            project(TUNE.replace("[b, a]", "[bad]").replace("max_trials: 2", "max_trials: 1")
                    .replace("parallel_trials: 2", "parallel_trials: 1"));

            cd4ml("tune", bed.project.toString());

            assertThat(exitCode).as(err + out).isEqualTo(1);
            assertThat(err).contains("error: the tune failed: SageMaker hyperparameter tuning job demo-",
                    " failed: No training job succeeded after 1 attempts");
        }

        @Test
        void aSettingSageMakerRefusesExitsTwoBeforeAnythingIsCreated() throws Exception {
            TestProjects.write(bed.project.resolve("train.py"), TRAIN_PY);
            Throwable invalid = catchThrowable(() -> project(TUNE.replace("max_trials: 2", "max_trials: 1")));
            assertThat(invalid).isInstanceOf(InvalidConfigException.class);

            cd4ml("tune", bed.project.toString());

            assertThat(exitCode).isEqualTo(2);
            assertThat(err).contains("config.yaml:20:15: tune.max_trials: SageMaker's grid search runs every "
                    + "combination").doesNotContain("Exception");
            assertThat(bed.sim.requests("SageMaker.CreateHyperParameterTuningJob")).isEmpty();
        }
    }

    @Nested
    class RefusedSettings {

        private List<String> problems(String tune) {
            Throwable thrown = catchThrowable(() -> project(tune));
            assertThat(thrown).isInstanceOf(InvalidConfigException.class);
            return ((InvalidConfigException) thrown).problems().stream().map(ConfigProblem::toString).toList();
        }

        @Test
        void aGridWithMoreCombinationsThanMaxTrialsOrAnIntRangeOverThirtyValues() {
            assertThat(problems("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: grid
                    max_trials: 3
                    parameters:
                      n: {type: int, min: 1, max: 40}
                      kind: {type: categorical, values: [a, b]}
                    """)).containsExactly(
                    "config.yaml:20:15: tune.max_trials: SageMaker's grid search runs every combination of the values "
                            + "(80 here) and cannot stop after max_trials (3): set max_trials to 80, list fewer "
                            + "values, or set tune.native: false to search in cd4ml with SageMaker training jobs as "
                            + "trials",
                    "config.yaml:22:8: tune.parameters.n: SageMaker's grid search takes categorical values only, at "
                            + "most 30 per hyperparameter; cd4ml passes an int range as its values, but this one has "
                            + "40: narrow it, use another strategy, or set tune.native: false to search in cd4ml with "
                            + "SageMaker training jobs as trials");
        }

        @Test
        void aCategoricalWithMoreThanThirtyValues() {
            String values = String.join(", ", java.util.stream.IntStream.rangeClosed(1, 31).mapToObj(i -> "v" + i)
                    .toList());
            assertThat(problems("""
                    objective: {metric: accuracy, goal: maximize}
                    parameters:
                      kind: {type: categorical, values: [%s]}
                    """.formatted(values))).singleElement().asString()
                    .startsWith("config.yaml:20:39: ")
                    .contains("tune.parameters.kind.values: SageMaker takes at most 30 values for a categorical "
                            + "hyperparameter; found 31");
        }

        @Test
        void warmStartWithoutNativeTuningOrWithABadName() {
            assertThat(problems("""
                    objective: {metric: accuracy, goal: maximize}
                    native: false
                    warm_start: [earlier-tune]
                    parameters:
                      x: {type: float, min: 0, max: 1}
                    """)).singleElement().asString().startsWith("config.yaml:20:15: ")
                    .contains("tune.warm_start: warm_start names earlier SageMaker tuning jobs to start from, which "
                            + "only SageMaker's own tuning does, and tune.native is false");
            assertThat(problems("""
                    objective: {metric: accuracy, goal: maximize}
                    warm_start: [this-name-is-far-too-long-for-a-tuning-job]
                    parameters:
                      x: {type: float, min: 0, max: 1}
                    """)).singleElement().asString().startsWith("config.yaml:19:15: ")
                    .contains("'this-name-is-far-too-long-for-a-tuning-job' cannot be a SageMaker tuning job name");
        }

        @Test
        void theSameSettingsAreFineWhenCd4mlSearches() {
            ProjectConfig config = project("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: grid
                    max_trials: 3
                    native: false
                    parameters:
                      n: {type: int, min: 1, max: 40}
                    """);
            assertThat(config.tune().orElseThrow().nativeTuning()).isFalse();
        }

        @Test
        void warmStartIsIgnoredWhenAnotherBackendTrainsTheProject() {
            catchThrowable(() -> project("""
                    objective: {metric: accuracy, goal: maximize}
                    strategy: grid
                    max_trials: 3
                    warm_start: [earlier-tune]
                    parameters:
                      n: {type: int, min: 1, max: 40}
                    """));

            ProjectConfig local = ConfigLoader.forProject(bed.project).withEnvironment(Map.of())
                    .withBackend(io.jenkins.plugins.cd4ml.config.TrainConfig.Backend.LOCAL).load();

            assertThat(local.tune().orElseThrow().warmStart()).containsExactly("earlier-tune");
        }
    }
}
