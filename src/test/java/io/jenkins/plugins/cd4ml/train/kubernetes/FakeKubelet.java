package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.jenkins.plugins.cd4ml.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Plays the cluster around the mock API server: the Job controller (creates the pod, sets the
 * Job's conditions), the scheduler (binds the pod to a node) and the kubelet (container states,
 * the log, and what the bootstrap does inside the pod: plain HTTP to the presigned URLs). Every
 * change goes through the API, so the backend sees it through its watches as on a cluster.
 */
final class FakeKubelet {

    /** The mock server logs every request at INFO; keep a reference, or the setting is collected. */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final String namespace;
    private final HttpClient http = HttpClient.newHttpClient();
    private Instant clock = Instant.parse("2025-01-01T12:00:00.000000001Z");

    FakeKubelet(KubernetesMockServer server, KubernetesClient client, String namespace) {
        this.server = server;
        this.client = client;
        this.namespace = namespace;
    }

    /** The run's Job once cd4ml resumed it (after creating its Secret and ConfigMap). */
    Job awaitResumedJob() throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            List<Job> jobs = client.batch().v1().jobs().inNamespace(namespace)
                    .withLabel("app.kubernetes.io/managed-by", "cd4ml").list().getItems();
            if (!jobs.isEmpty() && Boolean.FALSE.equals(jobs.get(0).getSpec().getSuspend())) {
                return jobs.get(0);
            }
            Thread.sleep(50);
        }
        return fail("cd4ml did not create and resume a Job in namespace %s", namespace);
    }

    /** The Job controller creates the Job's pod from its template. */
    Pod createPod(Job job) {
        Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
        Pod pod = new PodBuilder()
                .withNewMetadata()
                    .withName(job.getMetadata().getName() + "-x7k2p")
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                            .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
                            .withController(true).build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .build();
        client.pods().inNamespace(namespace).resource(pod).create();
        return status(pod, p -> p.withPhase("Pending").build());
    }

    /** The scheduler finds no node. */
    Pod unschedulable(Pod pod, String message) {
        return status(pod, s -> s.withPhase("Pending").withConditions(new PodConditionBuilder()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable").withMessage(message)
                .build()).build());
    }

    /** The scheduler binds the pod to a node; the kubelet starts pulling the image. */
    Pod schedule(Pod pod, String node) {
        client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                .edit(p -> new PodBuilder(p).editSpec().withNodeName(node).endSpec().build());
        return status(pod, s -> s.withPhase("Pending").withConditions(condition("PodScheduled", "True"))
                .withContainerStatuses(container(new ContainerStatusBuilder().withNewState().withNewWaiting()
                        .withReason("ContainerCreating").endWaiting().endState())).build());
    }

    /** The container cannot start yet, for this reason. */
    Pod waiting(Pod pod, String reason, String message) {
        return status(pod, s -> s.withPhase("Pending").withConditions(condition("PodScheduled", "True"))
                .withContainerStatuses(container(new ContainerStatusBuilder().withNewState().withNewWaiting()
                        .withReason(reason).withMessage(message).endWaiting().endState())).build());
    }

    /** The container runs. */
    Pod run(Pod pod) {
        return status(pod, s -> s.withPhase("Running")
                .withConditions(condition("PodScheduled", "True"), condition("Ready", "True"))
                .withContainerStatuses(container(new ContainerStatusBuilder().withReady(true).withNewState()
                        .withNewRunning().withStartedAt(clock.toString()).endRunning().endState())).build());
    }

    /** The container ended; the pod succeeded on exit code 0, else failed. */
    Pod terminate(Pod pod, int exitCode, String reason, String message) {
        return terminate(pod, exitCode, reason, message, null);
    }

    Pod terminate(Pod pod, int exitCode, String reason, String message, String podReason) {
        return status(pod, s -> s.withPhase(exitCode == 0 ? "Succeeded" : "Failed").withReason(podReason)
                .withConditions(condition("PodScheduled", "True"), condition("Ready", "False"))
                .withContainerStatuses(container(new ContainerStatusBuilder().withReady(false).withNewState()
                        .withNewTerminated().withExitCode(exitCode).withReason(reason).withMessage(message)
                        .endTerminated().endState())).build());
    }

    /** The Job controller marks the Job complete. */
    void completeJob(Job job) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName())
                .editStatus(j -> {
                    j.setStatus(new JobStatus());
                    j.getStatus().setSucceeded(1);
                    j.getStatus().setConditions(List.of(new JobConditionBuilder().withType("SuccessCriteriaMet")
                            .withStatus("True").build(), new JobConditionBuilder().withType("Complete")
                            .withStatus("True").build()));
                    return j;
                });
    }

    /** The Job controller marks the Job failed. */
    void failJob(Job job, String reason, String message) {
        client.batch().v1().jobs().inNamespace(namespace).withName(job.getMetadata().getName())
                .editStatus(j -> {
                    j.setStatus(new JobStatus());
                    j.getStatus().setFailed(1);
                    j.getStatus().setConditions(List.of(
                            new JobConditionBuilder().withType("FailureTarget").withStatus("True").withReason(reason)
                                    .withMessage(message).build(),
                            new JobConditionBuilder().withType("Failed").withStatus("True").withReason(reason)
                                    .withMessage(message).build()));
                    return j;
                });
    }

    /**
     * Serves the container's log at the exact path the backend follows (CRUD mode would answer
     * with a JSON list), each line with its timestamp as the API server sends it.
     */
    void serveLog(Pod pod, String... lines) {
        StringBuilder body = new StringBuilder();
        for (String line : lines) {
            clock = clock.plusMillis(1500);
            body.append(clock).append(' ').append(line).append('\n');
        }
        server.expect().get().withPath("/api/v1/namespaces/" + namespace + "/pods/" + pod.getMetadata().getName()
                + "/log?pretty=false&container=train&timestamps=true&follow=true").andReturn(200, body.toString())
                .once();
    }

    /**
     * Serves the log again from {@code sinceTime} (whole seconds), as after a dropped connection;
     * {@code lines} are {@code "<RFC 3339 time> <text>"}.
     */
    void serveLogSince(Pod pod, String sinceTime, String... lines) {
        server.expect().get().withPath("/api/v1/namespaces/" + namespace + "/pods/" + pod.getMetadata().getName()
                + "/log?pretty=false&container=train&sinceTime=" + sinceTime + "&timestamps=true&follow=true")
                .andReturn(200, String.join("\n", lines) + "\n").once();
    }

    /** The URLs the bootstrap reads from the run's Secret. */
    JsonNode transferPlan(Job job) throws IOException {
        Secret secret = client.secrets().inNamespace(namespace).withName(job.getMetadata().getName() + "-transfer")
                .get();
        assertThat(secret).as("the transfer Secret").isNotNull();
        return Json.mapper().readTree(Base64.getDecoder().decode(secret.getData().get("transfer.json")));
    }

    /** What the bootstrap does with a GET URL. */
    byte[] download(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("GET of a presigned URL").isEqualTo(200);
        return response.body();
    }

    /** What the bootstrap does with a PUT URL: uploads a tar.gz of these files. */
    void upload(String url, Map<String, String> files) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/gzip")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(tarGz(files))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("PUT to a presigned URL: %s", response.body()).isEqualTo(200);
    }

    static byte[] tarGz(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(bytes);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        return bytes.toByteArray();
    }

    private Pod status(Pod pod, Function<PodStatusBuilder, PodStatus> change) {
        return client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
            p.setStatus(change.apply(new PodStatusBuilder()));
            return p;
        });
    }

    private static PodCondition condition(String type, String status) {
        return new PodConditionBuilder().withType(type).withStatus(status).build();
    }

    private static ContainerStatus container(ContainerStatusBuilder builder) {
        return builder.withName("train").withImage(KubernetesProjects.IMAGE).withRestartCount(0).build();
    }
}
