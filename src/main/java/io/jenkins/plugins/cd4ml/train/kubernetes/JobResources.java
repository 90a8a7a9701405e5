package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The API calls on one run's Job, its inputs and its pods, each failing with a message that
 * names the action and namespace.
 */
final class JobResources {

    private final KubernetesClient client;
    private final TrainingJobSpec spec;

    JobResources(KubernetesClient client, TrainingJobSpec spec) {
        this.client = client;
        this.spec = spec;
    }

    TrainingJobSpec spec() {
        return spec;
    }

    KubernetesClient client() {
        return client;
    }

    /** The Job, suspended. */
    Job create() {
        return call("create jobs.batch", () -> client.batch().v1().jobs().inNamespace(spec.namespace())
                .resource(spec.job()).create());
    }

    /** The Secret and ConfigMap the pod mounts, owned by the created Job. */
    void createInputs(TransferPlan plan, Job owner) {
        call("create secrets", () -> client.secrets().inNamespace(spec.namespace())
                .resource(spec.transferSecret(plan, owner)).create());
        call("create configmaps", () -> client.configMaps().inNamespace(spec.namespace())
                .resource(spec.bootstrapConfigMap(owner)).create());
    }

    /**
     * Replaces the plan in the run's Secret; the kubelet refreshes the pod's mounted copy (not a
     * {@code subPath}) within a minute or two, and the bootstrap reads it again before each upload.
     */
    void updateTransfer(TransferPlan plan) {
        call("update secrets", () -> client.secrets().inNamespace(spec.namespace()).withName(spec.secretName())
                .edit(secret -> new SecretBuilder(secret).withData(TrainingJobSpec.transferData(plan)).build()));
    }

    /** Lets the Job start its pod. */
    void resume() {
        call("patch jobs.batch", () -> job().edit(j -> new JobBuilder(j).editSpec().withSuspend(false).endSpec()
                .build()));
    }

    /** The Job as the API server has it now, if it still exists. */
    Optional<Job> get() {
        return Optional.ofNullable(call("get jobs.batch", () -> job().get()));
    }

    /** The run's newest pod, if the Job has created one. */
    Optional<Pod> newestPod() {
        List<Pod> pods = call("list pods", () -> client.pods().inNamespace(spec.namespace())
                .withLabel(TrainingJobSpec.RUN_ID_LABEL, spec.jobName()).list().getItems());
        return pods.stream().max(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                .thenComparing(p -> p.getMetadata().getName()));
    }

    PodResource pod(String name) {
        return client.pods().inNamespace(spec.namespace()).withName(name);
    }

    Watch watchJob(Watcher<Job> watcher) {
        return call("watch jobs.batch", () -> job().watch(watcher));
    }

    Watch watchPods(Watcher<Pod> watcher) {
        return call("watch pods", () -> client.pods().inNamespace(spec.namespace())
                .withLabel(TrainingJobSpec.RUN_ID_LABEL, spec.jobName()).watch(watcher));
    }

    /** Deletes the Job; its pods go with it (and its Secret and ConfigMap, which it owns). */
    void delete() {
        call("delete jobs.batch", () -> job().withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
    }

    /** Deletes the Job unless it finished (a finished Job stays for its log until its TTL). */
    void deleteIfUnfinished() {
        Optional<Job> job = get();
        if (job.isPresent() && !isFinished(job.get())) {
            delete();
        }
    }

    /** Deletes the Secret with the URLs as soon as the pod no longer needs them; a missing one is fine. */
    void deleteSecret() {
        call("delete secrets", () -> client.secrets().inNamespace(spec.namespace()).withName(spec.secretName())
                .delete());
    }

    static boolean isFinished(Job job) {
        return condition(job, "Complete").isPresent() || condition(job, "Failed").isPresent();
    }

    /** A condition of the Job that is true, if any. */
    static Optional<JobCondition> condition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }

    private ScalableResource<Job> job() {
        return client.batch().v1().jobs().inNamespace(spec.namespace()).withName(spec.jobName());
    }

    private <T> T call(String action, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            if (KubernetesErrors.isInterruption(e)) {
                throw e;
            }
            throw KubernetesErrors.translate(e, action, spec.namespace(), String.valueOf(client.getMasterUrl()));
        }
    }
}
