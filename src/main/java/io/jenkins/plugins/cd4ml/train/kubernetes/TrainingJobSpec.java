package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.jenkins.plugins.cd4ml.BundledText;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kubernetes objects of one training run, built from the project's configuration: the
 * {@code batch/v1} Job, the Secret with the run's {@link TransferPlan}, and the ConfigMap with
 * the bootstrap script and the SageMaker config files.
 *
 * <p>The Job is created suspended, so that its pod cannot start before the Secret and ConfigMap
 * it mounts exist; those two are owned by the Job (garbage-collected with it). Nothing secret is
 * in the Job: the pod reads its URLs from the mounted Secret.
 */
final class TrainingJobSpec {

    static final String CONTAINER = "train";
    static final String BOOTSTRAP_DIR = "/var/run/cd4ml/bootstrap";
    static final String TRANSFER_DIR = "/var/run/cd4ml/transfer";
    static final String BOOTSTRAP_SCRIPT = "bootstrap.py";
    static final String TRANSFER_FILE = "transfer.json";
    static final String SOURCE_ARCHIVE = "source.tar.gz";
    static final String MODEL_ARCHIVE = "model.tar.gz";
    static final String OUTPUT_ARCHIVE = "output.tar.gz";
    static final String GPU_RESOURCE = "nvidia.com/gpu";
    static final String RUN_ID_LABEL = "io.cd4ml/run-id";

    /** How long a finished Job (and its pod's log) stays for {@code kubectl} before Kubernetes deletes it. */
    static final int TTL_SECONDS_AFTER_FINISHED = 86_400;

    private static final String ML_VOLUME = "ml";
    private static final String BOOTSTRAP_VOLUME = "cd4ml-bootstrap";
    private static final String TRANSFER_VOLUME = "cd4ml-transfer";

    private final TrainingJob job;
    private final String namespace;

    TrainingJobSpec(TrainingJob job, String namespace) {
        this.job = job;
        this.namespace = namespace;
    }

    TrainingJob trainingJob() {
        return job;
    }

    String namespace() {
        return namespace;
    }

    /** The Job's name: the run id, already a DNS label. */
    String jobName() {
        return job.runId();
    }

    String secretName() {
        return job.runId() + "-transfer";
    }

    String configMapName() {
        return job.runId() + "-bootstrap";
    }

    String image() {
        return train().image().orElseThrow(() -> new IllegalStateException("validated configs have train.image"));
    }

    /** The labels of every object of the run, and of its pod. */
    Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", job.project().name());
        labels.put("app.kubernetes.io/component", "training");
        labels.put("app.kubernetes.io/managed-by", "cd4ml");
        labels.put(RUN_ID_LABEL, job.runId());
        return labels;
    }

    /** The Job, suspended; resume it once its Secret and ConfigMap exist. */
    Job job() {
        TrainConfig.Kubernetes k8s = train().kubernetes();
        return new JobBuilder()
                .withMetadata(metadata(jobName()))
                .withNewSpec()
                    .withSuspend(true)
                    .withBackoffLimit(0)
                    .withActiveDeadlineSeconds(job.timeout().toSeconds())
                    .withTtlSecondsAfterFinished(TTL_SECONDS_AFTER_FINISHED)
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels()).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withServiceAccountName(k8s.serviceAccount().orElse(null))
                            // the default account's token is of no use to a training script
                            .withAutomountServiceAccountToken(k8s.serviceAccount().isPresent() ? null : false)
                            .withNodeSelector(k8s.nodeSelector().isEmpty() ? null : k8s.nodeSelector())
                            .withTolerations(tolerations(k8s.tolerations()))
                            .addNewContainer()
                                .withName(CONTAINER)
                                .withImage(image())
                                .withCommand(bootstrapInterpreter(), BOOTSTRAP_DIR + "/" + BOOTSTRAP_SCRIPT)
                                .withArgs(job.command())
                                .withEnv(env())
                                .withEnvFrom(envFrom(k8s.secrets()))
                                .withResources(resources())
                                .withTerminationMessagePolicy("FallbackToLogsOnError")
                                .addNewVolumeMount().withName(ML_VOLUME)
                                    .withMountPath(RunDirectory.CONTAINER_ROOT).endVolumeMount()
                                .addNewVolumeMount().withName(BOOTSTRAP_VOLUME).withMountPath(BOOTSTRAP_DIR)
                                    .withReadOnly(true).endVolumeMount()
                                .addNewVolumeMount().withName(TRANSFER_VOLUME).withMountPath(TRANSFER_DIR)
                                    .withReadOnly(true).endVolumeMount()
                            .endContainer()
                            .addNewVolume().withName(ML_VOLUME).withNewEmptyDir().endEmptyDir().endVolume()
                            .addNewVolume().withName(BOOTSTRAP_VOLUME)
                                .withNewConfigMap().withName(configMapName()).endConfigMap().endVolume()
                            .addNewVolume().withName(TRANSFER_VOLUME)
                                .withNewSecret().withSecretName(secretName()).endSecret().endVolume()
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** The Secret with the run's URLs, owned by {@code owner} (the created Job). */
    Secret transferSecret(TransferPlan plan, Job owner) {
        return new SecretBuilder()
                .withMetadata(ownedMetadata(secretName(), owner))
                .withType("Opaque")
                .withData(transferData(plan))
                .build();
    }

    /** The Secret's data: {@value #TRANSFER_FILE} holding {@code plan}. */
    static Map<String, String> transferData(TransferPlan plan) {
        return Map.of(TRANSFER_FILE, Base64.getEncoder().encodeToString(plan.toJson()));
    }

    /** The ConfigMap with the bootstrap and the run's config files, owned by {@code owner}. */
    ConfigMap bootstrapConfigMap(Job owner) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(BOOTSTRAP_SCRIPT, bootstrapScript());
        data.put(TrainingRequirements.SCRIPT, TrainingRequirements.script());
        try {
            for (String name : List.of("hyperparameters.json", "inputdataconfig.json")) {
                data.put(name, Files.readString(job.directory().configDir().resolve(name), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the run directory lost its config files", e);
        }
        return new ConfigMapBuilder().withMetadata(ownedMetadata(configMapName(), owner)).withData(data).build();
    }

    /** The pod-side bootstrap, bundled with the engine. */
    static String bootstrapScript() {
        return BundledText.of(TrainingJobSpec.class, BOOTSTRAP_SCRIPT);
    }

    /**
     * The interpreter that runs the bootstrap: the one the command names ({@code python} or
     * {@code python3}, which the image therefore has), else {@code python3}.
     */
    String bootstrapInterpreter() {
        String first = job.command().get(0);
        return first.equals("python") || first.equals("python3") ? first : "python3";
    }

    private TrainConfig train() {
        return job.project().train();
    }

    private ObjectMeta metadata(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels()).build();
    }

    private ObjectMeta ownedMetadata(String name, HasMetadata owner) {
        OwnerReference reference = new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withBlockOwnerDeletion(false)
                .build();
        ObjectMeta meta = metadata(name);
        meta.setOwnerReferences(List.of(reference));
        return meta;
    }

    private List<EnvVar> env() {
        TrainConfig.Resources resources = train().resources();
        Map<String, String> values = new LinkedHashMap<>(RunDirectory.environment(RunDirectory.CONTAINER_ROOT,
                RunDirectory.CONTAINER_ROOT + "/code", job, cpus(resources.cpu()), resources.gpu()));
        values.put("CD4ML_RUN_ID", job.runId());
        values.putAll(train().kubernetes().env());
        List<EnvVar> env = new ArrayList<>();
        values.forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        return env;
    }

    private static List<EnvFromSource> envFrom(List<String> secrets) {
        return secrets.stream()
                .map(secret -> new EnvFromSourceBuilder().withNewSecretRef().withName(secret).endSecretRef().build())
                .toList();
    }

    private ResourceRequirements resources() {
        TrainConfig.Resources r = train().resources();
        Map<String, Quantity> amounts = new LinkedHashMap<>();
        r.cpu().ifPresent(cpu -> amounts.put("cpu", new Quantity(cpu)));
        r.memory().ifPresent(memory -> amounts.put("memory", new Quantity(memory)));
        Map<String, Quantity> limits = new LinkedHashMap<>(amounts);
        if (r.gpu() > 0) {
            limits.put(GPU_RESOURCE, new Quantity(String.valueOf(r.gpu())));
        }
        // requests = limits: a training run should get what it asks for, and is never throttled below it
        return new ResourceRequirementsBuilder()
                .withRequests(amounts.isEmpty() ? null : amounts)
                .withLimits(limits.isEmpty() ? null : limits)
                .build();
    }

    private static List<Toleration> tolerations(List<TrainConfig.Toleration> tolerations) {
        return tolerations.stream().map(t -> new TolerationBuilder()
                .withKey(t.key().orElse(null))
                .withOperator(t.operator())
                .withValue(t.value().orElse(null))
                .withEffect(t.effect().orElse(null))
                .withTolerationSeconds(t.tolerationSeconds().orElse(null))
                .build()).toList();
    }

    /** Whole CPUs for {@code SM_NUM_CPUS}: a quantity such as {@code 500m} or {@code 1.5}, rounded up; 1 if unset. */
    static int cpus(Optional<String> cpu) {
        if (cpu.isEmpty()) {
            return 1;
        }
        String text = cpu.get();
        BigDecimal cores = text.endsWith("m")
                ? new BigDecimal(text.substring(0, text.length() - 1)).movePointLeft(3)
                : new BigDecimal(text);
        return Math.max(1, cores.setScale(0, RoundingMode.CEILING).intValueExact());
    }
}
