package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.InvalidConfigException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.assertj.core.api.ThrowingConsumer;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Whole training runs on the kubernetes backend, through the trainer, against fabric8's mock API
 * server in CRUD mode and a real S3 implementation (s3proxy). The test plays the cluster
 * ({@link FakeKubelet}) and the pod's bootstrap (plain HTTP to the presigned URLs).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesTrainingBackendTest {

    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    KubernetesMockServer server;
    KubernetesClient client;

    @RegisterExtension
    final S3ProxyExtension s3proxy = S3ProxyExtension.builder().withCredentials("access", "secret").build();

    @TempDir
    Path tmp;

    private S3Client s3;
    private S3Presigner presigner;
    private KubernetesTrainingBackend backend;
    private FakeKubelet kubelet;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final CancelToken cancel = new CancelToken();

    @BeforeEach
    void cluster() {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret"));
        s3 = S3Client.builder().endpointOverride(s3proxy.getUri()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        presigner = S3Presigner.builder().endpointOverride(s3proxy.getUri()).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
        s3.createBucket(b -> b.bucket("data"));
        s3.createBucket(b -> b.bucket("models"));
        s3.putObject(b -> b.bucket("data").key("iris/part-1.csv"), RequestBody.fromString("x,y\n1,0\n"));
        s3.putObject(b -> b.bucket("data").key("iris/nested/part-2.csv"), RequestBody.fromString("x,y\n2,1\n"));
        backend = new KubernetesTrainingBackend(client, presigner, new S3Transfers(s3));
        kubelet = new FakeKubelet(server, client, "ml");
    }

    @AfterEach
    void close() {
        backend.close();
        presigner.close();
        s3.close();
    }

    private Background<TrainingResult> train(String trainConfig) {
        ProjectConfig config = KubernetesProjects.load(tmp.resolve("project"), trainConfig);
        return Background.start(() -> Trainer.forProject(config, EngineContext.builder().events(events::add).cancel(cancel).build())
                .withBackend(backend).withS3(s3).call());
    }

    private Background<TrainingResult> train() {
        return train(KubernetesProjects.FULL);
    }

    @Nested
    class ASuccessfulRun {

        @Test
        void trainsInTheClusterAndStoresTheModelUnderTrainOutput() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            JsonNode plan = kubelet.transferPlan(job);
            Pod pod = runningPod(job, "[cd4ml] running: python train.py", "epoch 1 accuracy=0.5",
                    "epoch 2 accuracy=0.93");

            // the bootstrap's side: the presigned URLs work against a real S3 implementation
            assertThat(entries(kubelet.download(plan.get("source").asText()))).contains("train.py", "features.yaml")
                    .doesNotContain(".cd4ml");
            assertThat(plan.at("/channels/train").findValuesAsText("path"))
                    .containsExactly("nested/part-2.csv", "part-1.csv");
            assertThat(new String(kubelet.download(plan.at("/channels/train/1/url").asText()), StandardCharsets.UTF_8))
                    .isEqualTo("x,y\n1,0\n");
            assertThat(plan.at("/channels/extra/0/url").asText()).isEqualTo("https://example.com/files/extra.csv");
            assertThat(plan.at("/channels/extra/0/path").asText()).isEqualTo("extra.csv");
            kubelet.upload(plan.get("model").asText(), Map.of("model.joblib", "weights", "vocab/words.txt", "a b"));
            kubelet.upload(plan.get("output").asText(), Map.of("data/metrics.json", "{\"loss\": 0.25}"));
            awaitLogLine("epoch 2 accuracy=0.93");
            completes(job, pod);

            TrainingResult result = training.await(RUN_LIMIT);

            assertThat(result.backend()).isEqualTo("kubernetes");
            assertThat(result.jobId()).isEqualTo("ml/" + name);
            assertThat(result.metrics()).containsExactlyInAnyOrderEntriesOf(Map.of("accuracy", 0.93, "loss", 0.25));
            assertThat(result.modelUri()).isEqualTo("s3://models/cd4ml/demo/" + result.modelVersion()
                    + "/model.tar.gz");
            Path stored = tmp.resolve("stored");
            new S3Transfers(s3).download(S3Location.parse(result.modelUri()), stored);
            ModelManifest manifest = ModelArchive.readManifest(stored.resolve("model.tar.gz"));
            assertThat(manifest.version()).isEqualTo(result.modelVersion());
            assertThat(manifest.backend().name()).isEqualTo("kubernetes");
            assertThat(manifest.backend().jobId()).isEqualTo("ml/" + name);
            ModelArchive.extract(stored.resolve("model.tar.gz"), tmp.resolve("extracted"));
            assertThat(tmp.resolve("extracted/vocab/words.txt")).hasContent("a b");
            assertThat(Files.readString(Path.of(result.logLocation()))).contains("epoch 2 accuracy=0.93");
        }

        @Test
        void reportsProgressStreamsTheLogAndNeverShowsAUrl() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            JsonNode plan = kubelet.transferPlan(job);
            Pod pod = kubelet.createPod(job);
            awaitEvent(message("pod " + pod.getMetadata().getName() + " pending: waiting for a node"));
            kubelet.schedule(pod, "gpu-node-1");
            awaitEvent(message("pod " + pod.getMetadata().getName() + " scheduled on node gpu-node-1; pulling image "
                    + KubernetesProjects.IMAGE + " and starting the container"));
            kubelet.serveLog(pod, "loading", "accuracy=0.9");
            kubelet.run(pod);
            awaitEvent(message("pod " + pod.getMetadata().getName() + " running on node gpu-node-1"));
            uploadModel(plan);
            awaitLogLine("accuracy=0.9");
            completes(job, pod);

            training.await(RUN_LIMIT);

            assertThat(events).filteredOn(Event.LogLine.class::isInstance).map(e -> (Event.LogLine) e)
                    .allSatisfy(l -> assertThat(l.source()).isEqualTo(TrainingBackend.LOG_SOURCE))
                    .extracting(Event.LogLine::line).containsExactly("loading", "accuracy=0.9");
            assertThat(events).anySatisfy(message("Kubernetes Job " + job.getMetadata().getName()
                    + " in namespace ml completed")::test);
            assertThat(events).noneMatch(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING);
            assertThat(events).map(Object::toString).noneMatch(text -> text.contains("X-Amz")
                    || text.contains(s3proxy.getUri().getHost() + ":" + s3proxy.getUri().getPort()));
        }

        @Test
        void deletesTheSecretAndKeepsTheFinishedJobForItsLog() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            JsonNode plan = kubelet.transferPlan(job);
            assertThat(client.configMaps().inNamespace("ml").withName(name + "-bootstrap").get().getMetadata()
                    .getOwnerReferences()).singleElement().satisfies(r -> assertThat(r.getUid())
                            .isEqualTo(job.getMetadata().getUid()));
            assertThat(transferSecret(name).getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(r -> assertThat(r.getUid()).isEqualTo(job.getMetadata().getUid()));
            succeed(job, plan);

            training.await(RUN_LIMIT);

            assertThat(transferSecret(name)).isNull();
            Job kept = jobInCluster(name);
            assertThat(kept).isNotNull();
            assertThat(Serialization.asYaml(kept)).doesNotContain("X-Amz", s3proxy.getUri().getHost() + ":");
        }

        @Test
        void renewsTheUrlsInTheSecretWhileTheRunLasts() throws Exception {
            backend.renewingUrlsEvery(Duration.ofMillis(300));
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            JsonNode first = kubelet.transferPlan(job);

            JsonNode renewed = first;
            for (int i = 0; i < 100 && renewed.get("model").equals(first.get("model")); i++) {
                Thread.sleep(100); // URLs signed within the same second are equal
                renewed = kubelet.transferPlan(job);
            }

            assertThat(renewed.get("model")).isNotEqualTo(first.get("model"));
            assertThat(renewed.get("output")).isNotEqualTo(first.get("output"));
            assertThat(renewed.get("source")).isNotEqualTo(first.get("source"));
            assertThat(renewed.at("/channels/train/1/url")).isNotEqualTo(first.at("/channels/train/1/url"));
            assertThat(renewed.at("/channels/train").findValuesAsText("path"))
                    .isEqualTo(first.at("/channels/train").findValuesAsText("path"));
            assertThat(renewed.at("/channels/extra/0/url").asText()).isEqualTo("https://example.com/files/extra.csv");
            // the renewed URLs work for real
            assertThat(new String(kubelet.download(renewed.at("/channels/train/1/url").asText()),
                    StandardCharsets.UTF_8)).isEqualTo("x,y\n1,0\n");
            succeed(job, renewed);
            assertThat(training.await(RUN_LIMIT).metrics()).containsEntry("accuracy", 0.9);
            assertThat(events).noneMatch(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING);
        }

        @Test
        void runsInTheClientsNamespaceWhenNoneIsConfigured() throws Exception {
            kubelet = new FakeKubelet(server, client, client.getNamespace());
            Background<TrainingResult> training = train(KubernetesProjects.MINIMAL.replace("kubernetes: {namespace: ml}\n",
                    ""));
            Job job = kubelet.awaitResumedJob();
            succeed(job, kubelet.transferPlan(job));

            TrainingResult result = training.await(RUN_LIMIT);

            assertThat(result.jobId()).isEqualTo(client.getNamespace() + "/" + job.getMetadata().getName());
        }

        @Test
        void ridesOutABriefOutageOfTheApiServer() throws Exception {
            // without the client's own retries, so that the monitor sees the outage
            try (KubernetesClient impatient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                    client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build()) {
                backend = new KubernetesTrainingBackend(impatient, presigner, new S3Transfers(s3));
                Background<TrainingResult> training = train();
                Job job = kubelet.awaitResumedJob();
                server.expect().get().withPath("/apis/batch/v1/namespaces/ml/jobs/" + job.getMetadata().getName())
                        .andReturn(503, "etcd leader changed").times(2);
                Pod pod = kubelet.createPod(job);
                awaitEvent(warning(text -> text.startsWith("lost contact with the Kubernetes API")
                        && text.endsWith("the Job runs on and cd4ml keeps trying for 10m")));
                awaitEvent(message("reached the Kubernetes API again"));
                succeed(job, pod, kubelet.transferPlan(job));

                assertThat(training.await(RUN_LIMIT).jobId()).isEqualTo("ml/" + job.getMetadata().getName());
            }
        }

        private void succeed(Job job, JsonNode plan) throws Exception {
            succeed(job, kubelet.createPod(job), plan);
        }

        private void succeed(Job job, Pod pod, JsonNode plan) throws Exception {
            running(pod, "accuracy=0.9");
            uploadModel(plan);
            awaitLogLine("accuracy=0.9");
            completes(job, pod);
        }
    }

    @Nested
    class Failures {

        @Test
        void failsEarlyWhenTheImageCannotBePulledAndDeletesTheJob() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            Pod pod = kubelet.createPod(job);
            kubelet.schedule(pod, "gpu-node-1");
            kubelet.waiting(pod, "ErrImagePull", "rpc error: code = NotFound desc = failed to pull and unpack image "
                    + "\"" + KubernetesProjects.IMAGE + "\": not found");
            awaitEvent(warning(text -> text.startsWith("pulling image " + KubernetesProjects.IMAGE
                    + " failed, Kubernetes retries")));
            kubelet.waiting(pod, "ImagePullBackOff", "Back-off pulling image \"" + KubernetesProjects.IMAGE + "\"");

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("Kubernetes cannot pull the training image '" + KubernetesProjects.IMAGE
                            + "' (ImagePullBackOff: Back-off pulling image \"" + KubernetesProjects.IMAGE + "\") for "
                            + "Kubernetes Job " + name + " in namespace ml")
                    .satisfies(suggests("train.image"));
            assertThat(jobInCluster(name)).isNull();
        }

        @Test
        void failsEarlyWhenTheContainerCannotBeConfigured() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            Pod pod = kubelet.createPod(job);
            kubelet.schedule(pod, "gpu-node-1");
            kubelet.waiting(pod, "CreateContainerConfigError", "secret \"wandb\" not found");

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessageContaining("secret \"wandb\" not found")
                    .hasMessageContaining("Kubernetes Job " + job.getMetadata().getName() + " in namespace ml")
                    .satisfies(suggests("train.kubernetes.secrets", "kubectl get secrets -n ml"));
            assertThat(jobInCluster(job.getMetadata().getName())).isNull();
        }

        @Test
        void namesTheMemoryLimitWhenTheScriptIsOomKilled() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            Pod pod = runningPod(job, "loading 40 GB of features");
            awaitLogLine("loading 40 GB of features");
            exitsAndFails(job, pod, 137, "OOMKilled", null);

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training ran out of memory: the kernel killed it (OOMKilled) at the "
                            + "train.resources.memory limit of 2Gi (Kubernetes Job " + name + " in namespace ml)")
                    .satisfies(suggests("raise train.resources.memory"));
            assertThat(jobInCluster(name)).as("a failed Job stays for kubectl until its TTL").isNotNull();
            assertThat(transferSecret(name)).isNull();
        }

        @Test
        void namesTheTimeoutWhenTheDeadlineIsExceeded() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            Pod pod = runningPod(job, "epoch 1 of 900");
            awaitLogLine("epoch 1 of 900");
            kubelet.terminate(pod, 143, "Error", null, "DeadlineExceeded");
            kubelet.failJob(job, "DeadlineExceeded", "Job was active longer than specified deadline");

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training exceeded train.timeout (2h) and was stopped (Kubernetes Job " + name
                            + " in namespace ml)")
                    .satisfies(suggests("raise train.timeout"));
        }

        @Test
        void warnsWhileThePodCannotBeScheduledAndSaysSoAtTheDeadline() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            Pod pod = kubelet.createPod(job);
            String why = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available";
            kubelet.unschedulable(pod, why);
            awaitEvent(warning(text -> text.equals("pod " + pod.getMetadata().getName() + " cannot be scheduled yet: "
                    + why + " (it stays pending until train.timeout, 2h)")));
            kubelet.failJob(job, "DeadlineExceeded", "Job was active longer than specified deadline");

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessageEndingWith("; its pod was never scheduled: " + why)
                    .satisfies(suggests("node_selector"));
        }

        @Test
        void reportsTheExitCodeAndTheFailureText() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            Pod pod = runningPod(job, "Traceback (most recent call last):", "KeyError: 'y'");
            awaitLogLine("KeyError: 'y'");
            exitsAndFails(job, pod, 2, "Error", "column 'y' is missing");

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(TrainingFailedException.class)
                    .hasMessage("training failed with exit code 2: column 'y' is missing (Kubernetes Job " + name
                            + " in namespace ml)")
                    .satisfies(suggests("kubectl logs job/" + name + " -n ml"));
        }
    }

    @Nested
    class Stopping {

        @Test
        void cancellingTheTokenDeletesTheJobAndSaysWhichOne() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            String name = job.getMetadata().getName();
            Pod pod = runningPod(job, "epoch 1");
            awaitLogLine("epoch 1");

            cancel.cancel();

            assertThatThrownBy(() -> training.await(RUN_LIMIT))
                    .isInstanceOf(OperationStoppedException.class)
                    .hasMessage("stopped: Kubernetes Job " + name + " in namespace ml (deleted with its pod)");
            assertThat(jobInCluster(name)).isNull();
            assertThat(transferSecret(name)).isNull();
        }

        @Test
        void aCancelWhileThePodIsPendingDeletesTheJob() throws Exception {
            Background<TrainingResult> training = train();
            Job job = kubelet.awaitResumedJob();
            awaitEvent(message("waiting for Kubernetes to create the pod of Kubernetes Job "
                    + job.getMetadata().getName() + " in namespace ml"));

            cancel.cancel();

            assertThatThrownBy(() -> training.await(RUN_LIMIT)).isInstanceOf(OperationStoppedException.class);
            assertThat(jobInCluster(job.getMetadata().getName())).isNull();
        }
    }

    @Nested
    class KubernetesApiErrors {

        @Test
        void aForbiddenJobSaysWhichPermissionToGrant() throws Exception {
            server.expect().post().withPath("/apis/batch/v1/namespaces/ml/jobs").andReturn(403, new StatusBuilder()
                    .withStatus("Failure").withCode(403).withReason("Forbidden").withMessage("jobs.batch is "
                            + "forbidden: User \"system:serviceaccount:ci:jenkins\" cannot create resource \"jobs\" "
                            + "in API group \"batch\" in the namespace \"ml\"").build()).once();

            assertThatThrownBy(() -> train().await(RUN_LIMIT))
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessageStartingWith("the Kubernetes API refused to create jobs.batch in namespace 'ml' "
                            + "(403 Forbidden: jobs.batch is forbidden: User \"system:serviceaccount:ci:jenkins\"")
                    .satisfies(e -> {
                        assertThat(((Cd4mlException) e).isUserError()).isFalse();
                        assertThat(((Cd4mlException) e).suggestion()).get().asString()
                                .contains("kubectl create role cd4ml-training -n ml", "jobs.batch,pods,pods/log");
                    });
        }

        @Test
        void aMissingNamespaceIsAConfigurationError() throws Exception {
            server.expect().post().withPath("/apis/batch/v1/namespaces/ml/jobs").andReturn(404, new StatusBuilder()
                    .withStatus("Failure").withCode(404).withReason("NotFound")
                    .withMessage("namespaces \"ml\" not found").build()).once();

            assertThatThrownBy(() -> train().await(RUN_LIMIT))
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessageContaining("namespace 'ml' does not exist")
                    .satisfies(e -> {
                        assertThat(((Cd4mlException) e).isUserError()).isTrue();
                        assertThat(((Cd4mlException) e).suggestion()).get().asString()
                                .contains("kubectl create namespace ml", "train.kubernetes.namespace");
                    });
        }

        @Test
        void anUnreachableApiServerSaysWhereCd4mlLooked() throws Exception {
            try (KubernetesClient nowhere = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1").withRequestRetryBackoffLimit(0).build()).build()) {
                backend = new KubernetesTrainingBackend(nowhere, presigner, new S3Transfers(s3));

                assertThatThrownBy(() -> train().await(RUN_LIMIT))
                        .isInstanceOf(Cd4mlException.class)
                        .hasMessageStartingWith("cannot reach the Kubernetes API at http://127.0.0.1:1/ to create "
                                + "jobs.batch: ")
                        .satisfies(suggests("kubectl config current-context"));
            }
        }

        @Test
        void aForbiddenSecretDeletesTheSuspendedJob() throws Exception {
            server.expect().post().withPath("/api/v1/namespaces/ml/secrets").andReturn(403, new StatusBuilder()
                    .withStatus("Failure").withCode(403).withReason("Forbidden").withMessage("secrets is forbidden")
                    .build()).once();

            assertThatThrownBy(() -> train().await(RUN_LIMIT))
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessageStartingWith("the Kubernetes API refused to create secrets in namespace 'ml'");
            assertThat(client.batch().v1().jobs().inNamespace("ml").list().getItems()).isEmpty();
        }
    }

    @Test
    void refusesATimeoutLongerThanPresignedUrlsLastAsAConfigurationError() {
        assertThatThrownBy(() -> train(KubernetesProjects.FULL.replace("timeout: 2h", "timeout: 7d")).await(RUN_LIMIT))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("train.timeout: 168h is longer than the kubernetes backend allows; use at most "
                        + "167h45m")
                .satisfies(e -> assertThat(((Cd4mlException) e).isUserError()).isTrue());
        assertThat(client.batch().v1().jobs().inNamespace("ml").list().getItems()).isEmpty();
    }

    /** The Job's pod, created, scheduled on a GPU node and running, its container writing {@code logLines}. */
    private Pod runningPod(Job job, String... logLines) {
        return running(kubelet.createPod(job), logLines);
    }

    private Pod running(Pod pod, String... logLines) {
        kubelet.schedule(pod, "gpu-node-1");
        kubelet.serveLog(pod, logLines);
        kubelet.run(pod);
        return pod;
    }

    /** The bootstrap's uploads of a one-file model and an empty output directory. */
    private void uploadModel(JsonNode plan) throws Exception {
        kubelet.upload(plan.get("model").asText(), Map.of("model.joblib", "weights"));
        kubelet.upload(plan.get("output").asText(), Map.of("data/.keep", ""));
    }

    /** The container exits 0 and the Job controller marks the Job complete. */
    private void completes(Job job, Pod pod) {
        kubelet.terminate(pod, 0, "Completed", null);
        kubelet.completeJob(job);
    }

    /** The container exits with {@code exitCode} and the Job controller gives up (the Job's backoff limit is 0). */
    private void exitsAndFails(Job job, Pod pod, int exitCode, String reason, String message) {
        kubelet.terminate(pod, exitCode, reason, message);
        kubelet.failJob(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    }

    /** The run's Job in namespace ml, or null once it is deleted. */
    private Job jobInCluster(String name) {
        return client.batch().v1().jobs().inNamespace("ml").withName(name).get();
    }

    /** The Secret with the run's URLs, or null once it is deleted. */
    private Secret transferSecret(String jobName) {
        return client.secrets().inNamespace("ml").withName(jobName + "-transfer").get();
    }

    private static ThrowingConsumer<Throwable> suggests(String... parts) {
        return e -> assertThat(((Cd4mlException) e).suggestion()).get().asString().contains(parts);
    }

    private void awaitLogLine(String line) throws InterruptedException {
        awaitEvent(e -> e instanceof Event.LogLine l && l.line().equals(line));
    }

    private static Predicate<Event> warning(Predicate<String> text) {
        return e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING && text.test(m.text());
    }

    private static Predicate<Event> message(String text) {
        return e -> e instanceof Event.Message m && m.text().equals(text);
    }

    private void awaitEvent(Predicate<Event> wanted) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (events.stream().anyMatch(wanted)) {
                return;
            }
            Thread.sleep(50);
        }
        fail("no such event; got:\n%s", String.join("\n", events.stream().map(Object::toString).toList()));
    }

    private static List<String> entries(byte[] tarGz) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new ByteArrayInputStream(tarGz)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                names.add(entry.getName());
            }
        }
        return names;
    }
}
