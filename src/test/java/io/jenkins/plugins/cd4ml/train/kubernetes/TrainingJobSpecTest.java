package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kubernetes objects of a run, field by field. */
class TrainingJobSpecTest {

    private static final String SECRET_URL = "https://s3.example.com/models/run/model.tar.gz?X-Amz-Signature=abc123";

    private static TrainingJobSpec spec(Path tmp, String train) throws Exception {
        TrainingJob job = KubernetesProjects.job(KubernetesProjects.load(tmp.resolve("project"), train),
                tmp.resolve("run"));
        return new TrainingJobSpec(job, "ml");
    }

    private static Job created(TrainingJobSpec spec) {
        return new JobBuilder(spec.job()).editMetadata().withUid("9c1e-uid").endMetadata().build();
    }

    private static TransferPlan plan() {
        return new TransferPlan("https://s3.example.com/source?X-Amz-Signature=s",
                Map.of("train", List.of(new TransferPlan.ChannelFile("a.csv", "https://s3.example.com/a?sig=1"))),
                SECRET_URL, "https://s3.example.com/output?X-Amz-Signature=o");
    }

    @Nested
    class TheJob {

        @Test
        void isASuspendedBatchJobThatNeverRetriesAndCleansUpAfterADay(@TempDir Path tmp) throws Exception {
            Job job = spec(tmp, KubernetesProjects.FULL).job();

            assertThat(job.getApiVersion()).isEqualTo("batch/v1");
            assertThat(job.getKind()).isEqualTo("Job");
            assertThat(job.getMetadata().getName()).isEqualTo(KubernetesProjects.RUN_ID);
            assertThat(job.getMetadata().getNamespace()).isEqualTo("ml");
            assertThat(job.getSpec().getSuspend()).isTrue();
            assertThat(job.getSpec().getBackoffLimit()).isZero();
            assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(7200L);
            assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(86_400);
            assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        }

        @Test
        void labelsTheJobAndItsPod(@TempDir Path tmp) throws Exception {
            Job job = spec(tmp, KubernetesProjects.FULL).job();

            Map<String, String> expected = Map.of(
                    "app.kubernetes.io/name", "demo",
                    "app.kubernetes.io/component", "training",
                    "app.kubernetes.io/managed-by", "cd4ml",
                    "io.cd4ml/run-id", KubernetesProjects.RUN_ID);
            assertThat(job.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(expected);
        }

        @Test
        void runsTheBootstrapWithTheCommandAsArguments(@TempDir Path tmp) throws Exception {
            Container c = spec(tmp, KubernetesProjects.FULL).job().getSpec().getTemplate().getSpec()
                    .getContainers().get(0);

            assertThat(c.getName()).isEqualTo("train");
            assertThat(c.getImage()).isEqualTo(KubernetesProjects.IMAGE);
            assertThat(c.getCommand()).containsExactly("python", "/var/run/cd4ml/bootstrap/bootstrap.py");
            assertThat(c.getArgs()).containsExactly("python", "train.py");
            assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
        }

        @Test
        void startsTheBootstrapWithPython3WhenTheCommandIsNotPython(@TempDir Path tmp) throws Exception {
            TrainingJobSpec spec = spec(tmp, KubernetesProjects.MINIMAL.replace("backend: kubernetes",
                    "backend: kubernetes\ncommand: [bash, run.sh]"));

            Container c = spec.job().getSpec().getTemplate().getSpec().getContainers().get(0);

            assertThat(c.getCommand()).containsExactly("python3", "/var/run/cd4ml/bootstrap/bootstrap.py");
            assertThat(c.getArgs()).containsExactly("bash", "run.sh");
        }

        @Test
        void requestsWhatItLimitsAndLimitsGpus(@TempDir Path tmp) throws Exception {
            Container c = spec(tmp, KubernetesProjects.FULL).job().getSpec().getTemplate().getSpec()
                    .getContainers().get(0);

            assertThat(c.getResources().getRequests()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "cpu", new Quantity("1500m"), "memory", new Quantity("2Gi")));
            assertThat(c.getResources().getLimits()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "cpu", new Quantity("1500m"), "memory", new Quantity("2Gi"), "nvidia.com/gpu", new Quantity("1")));
        }

        @Test
        void asksForNothingWhenNoResourcesAreSet(@TempDir Path tmp) throws Exception {
            Container c = spec(tmp, KubernetesProjects.MINIMAL.replace("resources: {memory: 2Gi}\n", ""))
                    .job().getSpec().getTemplate().getSpec().getContainers().get(0);

            assertThat(c.getResources().getRequests()).isNullOrEmpty();
            assertThat(c.getResources().getLimits()).isNullOrEmpty();
        }

        @Test
        void placesThePodAsConfigured(@TempDir Path tmp) throws Exception {
            PodSpec pod = spec(tmp, KubernetesProjects.FULL).job().getSpec().getTemplate().getSpec();

            assertThat(pod.getServiceAccountName()).isEqualTo("trainer");
            assertThat(pod.getAutomountServiceAccountToken()).isNull();
            assertThat(pod.getNodeSelector()).containsExactly(entry("pool", "gpu"));
            assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
                assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
                assertThat(t.getOperator()).isEqualTo("Exists");
                assertThat(t.getEffect()).isEqualTo("NoSchedule");
                assertThat(t.getValue()).isNull();
            });
        }

        @Test
        void withoutAServiceAccountDoesNotMountTheDefaultToken(@TempDir Path tmp) throws Exception {
            PodSpec pod = spec(tmp, KubernetesProjects.MINIMAL).job().getSpec().getTemplate().getSpec();

            assertThat(pod.getServiceAccountName()).isNull();
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            assertThat(pod.getNodeSelector()).isNullOrEmpty();
            assertThat(pod.getTolerations()).isEmpty();
        }

        @Test
        void passesSecretsAsEnvFromAndTheSageMakerEnvironmentForOptMl(@TempDir Path tmp) throws Exception {
            Container c = spec(tmp, KubernetesProjects.FULL).job().getSpec().getTemplate().getSpec()
                    .getContainers().get(0);
            Map<String, String> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));

            assertThat(c.getEnvFrom()).extracting(e -> e.getSecretRef().getName()).containsExactly("wandb", "db-creds");
            assertThat(env).contains(
                    entry("SM_MODEL_DIR", "/opt/ml/model"),
                    entry("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data"),
                    entry("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"),
                    entry("SM_CHANNEL_EXTRA", "/opt/ml/input/data/extra"),
                    entry("SM_HP_ALPHA", "0.5"),
                    entry("SM_NUM_CPUS", "2"),
                    entry("CD4ML_RUN_ID", KubernetesProjects.RUN_ID),
                    entry("WANDB_PROJECT", "iris"),
                    entry("SM_NUM_GPUS", "2"));
            assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
            assertThat(c.getEnv()).allSatisfy(e -> assertThat(e.getValueFrom()).isNull());
        }

        @Test
        void mountsOptMlAsEmptyDirAndTheBootstrapAndUrlsReadOnly(@TempDir Path tmp) throws Exception {
            TrainingJobSpec spec = spec(tmp, KubernetesProjects.FULL);
            PodSpec pod = spec.job().getSpec().getTemplate().getSpec();
            Map<String, Volume> volumes = pod.getVolumes().stream()
                    .collect(Collectors.toMap(Volume::getName, Function.identity()));
            Map<String, VolumeMount> mounts = pod.getContainers().get(0).getVolumeMounts().stream()
                    .collect(Collectors.toMap(VolumeMount::getMountPath, Function.identity()));

            assertThat(volumes.get(mounts.get("/opt/ml").getName()).getEmptyDir()).isNotNull();
            VolumeMount bootstrap = mounts.get("/var/run/cd4ml/bootstrap");
            assertThat(bootstrap.getReadOnly()).isTrue();
            assertThat(volumes.get(bootstrap.getName()).getConfigMap().getName()).isEqualTo(spec.configMapName());
            VolumeMount transfer = mounts.get("/var/run/cd4ml/transfer");
            assertThat(transfer.getReadOnly()).isTrue();
            assertThat(volumes.get(transfer.getName()).getSecret().getSecretName()).isEqualTo(spec.secretName());
        }

        @Test
        void holdsNoUrlAndNoSecretValue(@TempDir Path tmp) throws Exception {
            TrainingJobSpec spec = spec(tmp, KubernetesProjects.FULL);

            String yaml = Serialization.asYaml(spec.job());

            assertThat(yaml).doesNotContain("X-Amz", "s3.example.com", "https://", "sig=");
        }
    }

    @Nested
    class TheInputs {

        @Test
        void theSecretHoldsThePlanAndIsOwnedByTheJob(@TempDir Path tmp) throws Exception {
            TrainingJobSpec spec = spec(tmp, KubernetesProjects.FULL);

            Secret secret = spec.transferSecret(plan(), created(spec));

            assertThat(secret.getMetadata().getName()).isEqualTo(KubernetesProjects.RUN_ID + "-transfer");
            assertThat(secret.getMetadata().getNamespace()).isEqualTo("ml");
            assertThat(secret.getMetadata().getLabels()).containsEntry("io.cd4ml/run-id", KubernetesProjects.RUN_ID);
            assertOwnedByTheJob(secret.getMetadata().getOwnerReferences());
            JsonNode transfer = Json.mapper().readTree(Base64.getDecoder().decode(secret.getData().get("transfer.json")));
            assertThat(transfer.get("model").asText()).isEqualTo(SECRET_URL);
            assertThat(transfer.at("/channels/train/0/path").asText()).isEqualTo("a.csv");
            assertThat(transfer.at("/channels/train/0/url").asText()).isEqualTo("https://s3.example.com/a?sig=1");
            assertThat(plan().toString()).doesNotContain("https://");
        }

        @Test
        void theConfigMapHoldsTheBootstrapAndTheSageMakerConfigFiles(@TempDir Path tmp) throws Exception {
            TrainingJobSpec spec = spec(tmp, KubernetesProjects.FULL);

            ConfigMap map = spec.bootstrapConfigMap(created(spec));

            assertThat(map.getMetadata().getName()).isEqualTo(KubernetesProjects.RUN_ID + "-bootstrap");
            assertOwnedByTheJob(map.getMetadata().getOwnerReferences());
            assertThat(map.getData()).containsOnlyKeys("bootstrap.py", "cd4ml_requirements.py", "hyperparameters.json",
                    "inputdataconfig.json");
            assertThat(map.getData().get("cd4ml_requirements.py")).contains("def install(python, code_dir)");
            assertThat(map.getData().get("bootstrap.py")).contains("def main(argv)");
            assertThat(Json.mapper().readTree(map.getData().get("hyperparameters.json")).get("depth").asText())
                    .isEqualTo("3");
            assertThat(map.getData().values()).noneSatisfy(v -> assertThat(v).contains("X-Amz"));
        }

        private void assertOwnedByTheJob(List<OwnerReference> references) {
            assertThat(references).singleElement().satisfies(r -> {
                assertThat(r.getApiVersion()).isEqualTo("batch/v1");
                assertThat(r.getKind()).isEqualTo("Job");
                assertThat(r.getName()).isEqualTo(KubernetesProjects.RUN_ID);
                assertThat(r.getUid()).isEqualTo("9c1e-uid");
            });
        }
    }

    @Test
    void countsWholeCpusForSageMaker() {
        assertThat(TrainingJobSpec.cpus(Optional.empty())).isEqualTo(1);
        assertThat(TrainingJobSpec.cpus(Optional.of("250m"))).isEqualTo(1);
        assertThat(TrainingJobSpec.cpus(Optional.of("1500m"))).isEqualTo(2);
        assertThat(TrainingJobSpec.cpus(Optional.of("4"))).isEqualTo(4);
        assertThat(TrainingJobSpec.cpus(Optional.of("0.5"))).isEqualTo(1);
    }

    @Test
    void theBootstrapIsBundled() {
        assertThat(TrainingJobSpec.bootstrapScript().getBytes(StandardCharsets.UTF_8)).hasSizeGreaterThan(1000);
    }
}
