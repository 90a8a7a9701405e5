package io.jenkins.plugins.cd4ml.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference configuration of DESIGN.md §3, with every section, loads and maps to the records
 * as written.
 */
class ValidConfigTest {

    /**
     * DESIGN.md §3, made valid for the corpus base project: local backend (with the sagemaker and
     * kubernetes sections present), and ${VAR} references in a few places.
     */
    private static final String REFERENCE = """
            version: 1
            project:
              name: iris-classifier
              schedule: "H 3 * * 1"
            model:
              features: features.yaml
              target: species
              classes: [setosa, versicolor, virginica]
              id_field: request_id
            train:
              backend: local
              entrypoint: train.py
              image: python:3.11-slim
              channels:
                train: data/iris.csv
              output: .cd4ml/models
              hyperparameters: {n_estimators: 100, max_depth: 4}
              metrics:
                - {name: accuracy, regex: 'accuracy=([0-9.]+)'}
                - {name: loss, regex: 'loss=([0-9.]+)$$'}
              resources: {cpu: "1", memory: 2Gi, gpu: 0}
              timeout: 1h
              kubernetes: {namespace: ml, service_account: trainer, node_selector: {}, tolerations: [], secrets: [], env: {}}
              sagemaker: {role_arn: "arn:aws:iam::123456789012:role/SageMakerRole", instance_type: ml.m5.large,
                          instance_count: 1, volume_gb: 30, spot: true, max_wait: 2h, region: eu-west-1}
            tune:
              objective: {metric: accuracy, goal: maximize}
              strategy: bayesian
              max_trials: 20
              parallel_trials: 4
              early_stopping: auto
              parameters:
                n_estimators: {type: int, min: 10, max: 400, scale: log}
                max_depth: {type: int, min: 2, max: 12}
                criterion: {type: categorical, values: [gini, entropy]}
            quality_gate:
              metrics: {accuracy: {min: 0.9}}
              compare_to: deployed
              max_regression: 0.01
            serve:
              image:
                repository: ${REGISTRY:-docker.io}/acme/iris-classifier
                tag: "{git_short_sha}"
                base: python:3.11-slim
                builder: auto
              workers: 2
              batching: {max_batch_size: 32, max_latency_ms: 5}
              logging:
                stdout: true
                fluentd: {host: fluentd.logging.svc, port: 24224, tag: cd4ml.predictions}
            deploy:
              target: helm
              namespace: ${CD4ML_NAMESPACE}
              release: iris-classifier
              replicas: 2
              resources: {cpu: 250m, memory: 512Mi}
              ingress: {enabled: false, host: iris.example.com}
              autoscaling: {enabled: false, min: 2, max: 10, cpu_percent: 70}
              strategy: rolling
              environments:
                staging: {namespace: "${STAGING_NAMESPACE:-ml-staging}"}
                production: {namespace: ml-prod, replicas: 3}
              values: {}
            """;

    private static final Map<String, String> ENVIRONMENT = Map.of("CD4ML_NAMESPACE", "ml", "STAGING_NAMESPACE",
            "ml-stage");

    private ProjectConfig config;

    @BeforeEach
    void load(@TempDir Path directory) throws IOException {
        ConfigCorpus.copyBase(directory);
        Files.writeString(directory.resolve("config.yaml"), REFERENCE);
        config = ConfigLoader.forProject(directory).withEnvironment(ENVIRONMENT).load();
    }

    @Nested
    class ProjectAndModel {

        @Test
        void readsNameAndSchedule() {
            assertThat(config.name()).isEqualTo("iris-classifier");
            assertThat(config.schedule()).contains("H 3 * * 1");
        }

        @Test
        void readsModelAndItsFeatures() {
            assertThat(config.model().target()).isEqualTo("species");
            assertThat(config.model().classes()).containsExactly("setosa", "versicolor", "virginica");
            assertThat(config.model().idField()).contains("request_id");
            assertThat(config.model().features()).isEqualTo(config.directory().resolve("features.yaml"));
            assertThat(config.features().names())
                    .containsExactly("sepal_length", "sepal_width", "petal_length", "petal_width");
        }
    }

    @Nested
    class Train {

        @Test
        void readsBackendScriptAndData() {
            TrainConfig train = config.train();
            assertThat(train.backend()).isEqualTo(TrainConfig.Backend.LOCAL);
            assertThat(train.entrypoint()).contains("train.py");
            assertThat(train.command()).containsExactly("python", "train.py");
            assertThat(train.image()).contains("python:3.11-slim");
            assertThat(train.channels()).containsExactly(Map.entry("train", "data/iris.csv"));
            assertThat(train.output()).isEqualTo(".cd4ml/models");
        }

        @Test
        void passesHyperparametersAsStrings() {
            assertThat(config.train().hyperparameters())
                    .containsExactly(Map.entry("n_estimators", "100"), Map.entry("max_depth", "4"));
        }

        @Test
        void compilesMetricRegexes() {
            assertThat(config.train().metrics()).extracting(TrainConfig.Metric::name)
                    .containsExactly("accuracy", "loss");
            assertThat(config.train().metrics().get(0).regex().pattern()).isEqualTo("accuracy=([0-9.]+)");
            assertThat(config.train().metrics().get(0).regex().matcher("epoch 3 accuracy=0.97").find()).isTrue();
        }

        @Test
        void readsDoubleDollarAsALiteralDollar() {
            assertThat(config.train().metrics().get(1).regex().pattern()).isEqualTo("loss=([0-9.]+)$");
        }

        @Test
        void readsResourcesAndDurations() {
            TrainConfig train = config.train();
            assertThat(train.resources())
                    .isEqualTo(new TrainConfig.Resources(Optional.of("1"), Optional.of("2Gi"), 0));
            assertThat(train.timeout()).isEqualTo(Duration.ofHours(1));
            assertThat(train.sagemaker().maxWait()).contains(Duration.ofHours(2));
        }

        @Test
        void readsBackendSectionsEvenWhenTrainingLocally() {
            TrainConfig.SageMaker sagemaker = config.train().sagemaker();
            assertThat(sagemaker.roleArn()).contains("arn:aws:iam::123456789012:role/SageMakerRole");
            assertThat(sagemaker.instanceType()).isEqualTo("ml.m5.large");
            assertThat(sagemaker.instanceCount()).isEqualTo(1);
            assertThat(sagemaker.volumeGb()).isEqualTo(30);
            assertThat(sagemaker.spot()).isTrue();
            assertThat(sagemaker.region()).contains("eu-west-1");
            TrainConfig.Kubernetes kubernetes = config.train().kubernetes();
            assertThat(kubernetes.namespace()).contains("ml");
            assertThat(kubernetes.serviceAccount()).contains("trainer");
            assertThat(kubernetes.tolerations()).isEmpty();
        }
    }

    @Nested
    class TuneAndGate {

        @Test
        void readsObjectiveAndBudget() {
            TuneConfig tune = config.tune().orElseThrow();
            assertThat(tune.objectiveMetric()).isEqualTo("accuracy");
            assertThat(tune.goal()).isEqualTo(TuneConfig.Goal.MAXIMIZE);
            assertThat(tune.strategy()).isEqualTo("bayesian");
            assertThat(tune.maxTrials()).isEqualTo(20);
            assertThat(tune.parallelTrials()).isEqualTo(4);
            assertThat(tune.earlyStopping()).isEqualTo("auto");
        }

        @Test
        void readsParameterRangesInOrder() {
            Map<String, TuneConfig.Parameter> parameters = config.tune().orElseThrow().parameters();
            assertThat(parameters).containsOnlyKeys("n_estimators", "max_depth", "criterion");
            assertThat(parameters.keySet()).containsExactly("n_estimators", "max_depth", "criterion");
            assertThat(parameters.get("n_estimators")).isEqualTo(new TuneConfig.Parameter("int", Optional.of(10.0),
                    Optional.of(400.0), "log", List.of()));
            assertThat(parameters.get("max_depth").scale()).isEqualTo("linear");
            assertThat(parameters.get("criterion").values()).containsExactly("gini", "entropy");
        }

        @Test
        void readsGateBounds() {
            GateConfig gate = config.qualityGate().orElseThrow();
            assertThat(gate.metrics()).containsOnlyKeys("accuracy");
            assertThat(gate.metrics().get("accuracy").min()).contains(0.9);
            assertThat(gate.metrics().get("accuracy").max()).isEmpty();
            assertThat(gate.compareTo()).contains("deployed");
            assertThat(gate.maxRegression()).contains(new GateConfig.Regression(0.01, false));
        }
    }

    @Nested
    class ServeAndDeploy {

        @Test
        void readsServingImageWithDefaultFromReference() {
            ServeConfig.Image image = config.serve().orElseThrow().image();
            assertThat(image.repository()).isEqualTo("docker.io/acme/iris-classifier");
            assertThat(image.tag()).isEqualTo("{git_short_sha}");
            assertThat(image.base()).contains("python:3.11-slim");
            assertThat(image.builder()).isEqualTo("auto");
        }

        @Test
        void readsServingOptions() {
            ServeConfig serve = config.serve().orElseThrow();
            assertThat(serve.workers()).isEqualTo(2);
            assertThat(serve.batching()).contains(new ServeConfig.Batching(32, 5));
            assertThat(serve.logging().stdout()).isTrue();
            assertThat(serve.logging().fluentd())
                    .contains(new ServeConfig.Fluentd("fluentd.logging.svc", 24224, "cd4ml.predictions"));
        }

        @Test
        void readsDeployWithVariableFromEnvironment() {
            DeployConfig deploy = config.deploy().orElseThrow();
            assertThat(deploy.target()).isEqualTo("helm");
            assertThat(deploy.namespace()).contains("ml");
            assertThat(deploy.release()).isEqualTo("iris-classifier");
            assertThat(deploy.replicas()).isEqualTo(2);
            assertThat(deploy.resources()).contains(new DeployConfig.Resources(Optional.of("250m"),
                    Optional.of("512Mi")));
            assertThat(deploy.ingress()).contains(new DeployConfig.Ingress(false, Optional.of("iris.example.com")));
            assertThat(deploy.autoscaling()).contains(new DeployConfig.Autoscaling(false, 2, 10, 70));
            assertThat(deploy.strategy()).isEqualTo("rolling");
            assertThat(deploy.values()).isEmpty();
        }

        @Test
        void readsEnvironmentsInOrder() {
            Map<String, DeployConfig.Environment> environments = config.deploy().orElseThrow().environments();
            assertThat(environments.keySet()).containsExactly("staging", "production");
            assertThat(environments.get("production").namespace()).contains("ml-prod");
            assertThat(environments.get("production").replicas()).contains(3);
            assertThat(environments.get("staging").replicas()).isEmpty();
        }

        @Test
        void prefersTheVariableOverTheDefaultWhenItIsSet() {
            assertThat(config.deploy().orElseThrow().environments().get("staging").namespace()).contains("ml-stage");
        }
    }

    @Nested
    class SourcePositions {

        @Test
        void pointsAtTheValueOfASetting() {
            assertThat(config.where("train.timeout").toString()).isEqualTo("config.yaml:22:12");
            assertThat(config.where("deploy.environments.production").line()).isEqualTo(62);
        }

        @Test
        void fallsBackToTheEnclosingSection() {
            assertThat(config.where("train.python")).isEqualTo(config.where("train"));
        }
    }
}
