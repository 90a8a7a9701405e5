package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy operation's Helm calls (recorded through {@link ReleaseClient}) and its decisions:
 * rolling deploy, failed rollouts diagnosed on the mock API server while Helm waits, rollback,
 * canary step/promote/abort, and the deployed model version for the gate.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class DeployerTest {

    static final String DIGEST = "sha256:" + "ab12".repeat(16);
    static final String NEW_DIGEST = "sha256:" + "cd34".repeat(16);
    static final ImageReference OLD = new ImageReference("localhost:5000/cd4ml/iris-classifier", "1111111", DIGEST);
    static final ImageReference NEW = new ImageReference("localhost:5000/cd4ml/iris-classifier", "2222222", NEW_DIGEST);

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    RecordingReleases releases;
    List<Event> events;

    @BeforeEach
    void recorder() {
        releases = new RecordingReleases();
        events = new CopyOnWriteArrayList<>();
    }

    private Deployer deployer(ProjectConfig config, String namespace) {
        return Deployer.forProject(config).withReleases(releases).withCluster(DeployProjects.access(namespace))
                .withKubernetesClients(a -> new KubernetesClientBuilder().withConfig(client.getConfiguration()).build())
                .withWatchPeriod(Duration.ofMillis(50)).withEvents(events::add);
    }

    private ProjectConfig rolling() {
        return DeployProjects.iris(dir.resolve("p"), """
                deploy:
                  target: helm
                  namespace: ml
                  release: iris-classifier
                  replicas: 1
                  environments:
                    staging: {namespace: ml-staging}
                    production: {namespace: ml-prod, replicas: 2}
                """);
    }

    private ProjectConfig canary() {
        return DeployProjects.iris(dir.resolve("c"), """
                deploy:
                  target: helm
                  namespace: ml
                  strategy: canary
                  ingress: {enabled: true, host: iris.example.com}
                """);
    }

    @Nested
    class Rolling {
        @Test
        void upgradeInstallAtomicWaitWithTimeoutIntoTheEnvironmentsNamespace() {
            DeployResult r = deployer(rolling(), "ml-prod").withEnvironment("production").withImage(NEW, "v2")
                    .withTimeout(Duration.ofMinutes(3)).deploy();

            assertThat(releases.upgrades).hasSize(1);
            ReleaseClient.UpgradeRequest call = releases.upgrades.get(0);
            assertThat(call.release()).isEqualTo("iris-classifier");
            assertThat(call.cluster().namespace()).isEqualTo("ml-prod");
            assertThat(call.install()).isTrue();
            assertThat(call.atomic()).isTrue();
            assertThat(call.waitReady()).isTrue();
            assertThat(call.createNamespace()).isTrue();
            assertThat(call.timeoutSeconds()).isEqualTo(180);
            assertThat(call.description()).isEqualTo("cd4ml deploy " + NEW.pinned() + " (model v2)");
            assertThat(ChartValues.get(call.values(), "image.digest")).contains(NEW_DIGEST);
            assertThat(ChartValues.get(call.values(), "model.version")).contains("v2");
            assertThat(ChartValues.get(call.values(), "replicaCount")).contains(2);
            assertThat(ChartValues.get(call.values(), "canary.enabled")).contains(false);

            assertThat(r).isEqualTo(new DeployResult("deploy", "production", "helm", "iris-classifier", "ml-prod", 1,
                    "0.1.0", NEW.pinned(), "v2", "deployed", "http://iris-classifier.ml-prod.svc.cluster.local/", "", 0,
                    List.of(), ""));
            assertThat(r.succeeded()).isTrue();
        }

        @Test
        void anImageIsRequired() {
            assertThatThrownBy(() -> deployer(rolling(), "ml").deploy()).isInstanceOf(Cd4mlException.class)
                    .hasMessage("no image to deploy");
            assertThat(releases.upgrades).isEmpty();
        }

        @Test
        void canaryWeightNeedsTheCanaryStrategy() {
            assertThatThrownBy(() -> deployer(rolling(), "ml").withImage(NEW, "v2").withCanaryWeight(20).deploy())
                    .hasMessage("--canary-weight needs deploy.strategy: canary");
        }

        @Test
        void anUnknownEnvironmentListsTheKnownOnes() {
            assertThatThrownBy(() -> deployer(rolling(), "ml").withEnvironment("qa").withImage(NEW, "v2").deploy())
                    .isInstanceOf(Cd4mlException.class).satisfies(e -> assertThat(((Cd4mlException) e).suggestion())
                            .contains("use one of: staging, production"));
        }
    }

    @Nested
    class FailedRollout {
        private Pod pullingPod(String name) {
            return new PodBuilder().withNewMetadata().withName(name).withNamespace("ml")
                    .addToLabels("app.kubernetes.io/name", "cd4ml-model")
                    .addToLabels("app.kubernetes.io/instance", "iris-classifier").endMetadata()
                    .withNewSpec().addNewContainer().withName("server").withImage(NEW.pinned()).endContainer().endSpec()
                    .build();
        }

        @Test
        void isDiagnosedWhileHelmWaitsAndReportsHelmsRollback() {
            ProjectConfig config = rolling();
            releases.seed("deployed", ChartValues.of(config, DeployTarget.of(config, Optional.empty()), OLD, "v1",
                    Optional.empty()), "cd4ml deploy");
            releases.onUpgrade = request -> {
                // the ReplicaSet controller creates the pod; the kubelet cannot pull the image
                Pod pod = client.pods().inNamespace("ml").resource(pullingPod("iris-classifier-7d9f-x2")).create();
                pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                        .addNewContainerStatus().withName("server").withImage(NEW.pinned()).withReady(false)
                        .withRestartCount(0).withNewState().withNewWaiting().withReason("ImagePullBackOff")
                        .withMessage("Back-off pulling image \"" + NEW.pinned() + "\"").endWaiting().endState()
                        .endContainerStatus().build());
                client.pods().inNamespace("ml").resource(pod).updateStatus();
                awaitWarning("ImagePullBackOff");
                // --atomic: Helm rolls back, and the new ReplicaSet's pods go away
                client.pods().inNamespace("ml").withName("iris-classifier-7d9f-x2").delete();
                releases.atomicRollback(request.values());
                return new IllegalStateException("release iris-classifier failed, and has been rolled back due to "
                        + "atomic being set: context deadline exceeded");
            };

            DeployResult r = deployer(config, "ml").withImage(NEW, "v2").deploy();

            assertThat(r.status()).isEqualTo("rolled-back");
            assertThat(r.succeeded()).isFalse();
            assertThat(r.rolledBackTo()).isEqualTo(1);
            assertThat(r.revision()).isEqualTo(3);
            assertThat(r.image()).as("what serves now").isEqualTo(OLD.pinned());
            assertThat(r.modelVersion()).isEqualTo("v1");
            assertThat(r.error()).contains("context deadline exceeded");
            assertThat(r.problems()).containsExactly(new RolloutProblem("pod/iris-classifier-7d9f-x2", "server",
                    "ImagePullBackOff", "Back-off pulling image \"" + NEW.pinned() + "\"", List.of()));
            assertThat(r.problems().get(0).suggestion()).contains("imagePullSecrets");
        }

        @Test
        void aFirstInstallThatFailsIsRemoved() {
            releases.onUpgrade = request -> new IllegalStateException("release iris-classifier failed, and has been "
                    + "uninstalled due to atomic being set: context deadline exceeded");
            DeployResult r = deployer(rolling(), "ml").withImage(NEW, "v2").deploy();
            assertThat(r.status()).isEqualTo("removed");
            assertThat(r.revision()).isZero();
            assertThat(r.problems()).isEmpty();
        }

        private void awaitWarning(String text) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (events.stream().noneMatch(e -> e instanceof Event.Message m && m.text().contains(text))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the watcher never reported " + text + ": " + events);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    @Nested
    class Rollback {
        @Test
        void redeploysTheLastGoodRevisionsValues() {
            ProjectConfig config = rolling();
            DeployTarget target = DeployTarget.of(config, Optional.empty());
            releases.seed("superseded", ChartValues.of(config, target, OLD, "v1", Optional.empty()), "cd4ml deploy");
            releases.seed("deployed", ChartValues.of(config, target, NEW, "v2", Optional.empty()), "cd4ml deploy");

            DeployResult r = deployer(config, "ml").rollback(OptionalInt.empty());

            assertThat(releases.calls).contains("values iris-classifier --revision 1");
            assertThat(releases.upgrades.get(0).description()).isEqualTo("cd4ml rollback to revision 1");
            assertThat(releases.upgrades.get(0).atomic()).isTrue();
            assertThat(r.operation()).isEqualTo("rollback");
            assertThat(r.revision()).isEqualTo(3);
            assertThat(r.image()).isEqualTo(OLD.pinned());
            assertThat(r.modelVersion()).isEqualTo("v1");
        }

        @Test
        void anUnknownRevisionListsTheKnownOnes() {
            ProjectConfig config = rolling();
            releases.seed("deployed", Map.of(), "cd4ml deploy");
            assertThatThrownBy(() -> deployer(config, "ml").rollback(OptionalInt.of(7)))
                    .hasMessage("revision 7 of release iris-classifier in namespace ml is not in its history")
                    .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).contains("use one of: 1"));
        }

        @Test
        void nothingToRollBack() {
            assertThatThrownBy(() -> deployer(rolling(), "ml").rollback(OptionalInt.empty()))
                    .hasMessage("there is no release iris-classifier in namespace ml to roll back");
        }
    }

    @Nested
    class Canary {
        private ProjectConfig servingOld() {
            ProjectConfig config = canary();
            releases.seed("deployed", ChartValues.of(config, DeployTarget.of(config, Optional.empty()), OLD, "v1",
                    Optional.empty()), "cd4ml deploy");
            return config;
        }

        @Test
        void aNewImageBecomesTheCanaryAndTheStablePodsStay() {
            DeployResult r = deployer(servingOld(), "ml").withImage(NEW, "v2").deploy();
            Map<String, Object> values = releases.upgrades.get(0).values();
            assertThat(ChartValues.get(values, "image.digest")).contains(DIGEST);
            assertThat(ChartValues.get(values, "model.version")).contains("v1");
            assertThat(ChartValues.get(values, "canary.enabled")).contains(true);
            assertThat(ChartValues.get(values, "canary.image.digest")).contains(NEW_DIGEST);
            assertThat(ChartValues.get(values, "canary.weight")).contains(10);
            assertThat(r.canary()).isEqualTo(NEW.pinned() + " (model v2) at 10%");
            assertThat(r.url()).isEqualTo("http://iris.example.com/");
        }

        @Test
        void stepsTheWeightKeepingTheCanaryImage() {
            ProjectConfig config = servingOld();
            deployer(config, "ml").withImage(NEW, "v2").deploy();
            DeployResult r = deployer(config, "ml").withCanaryWeight(50).deploy();
            Map<String, Object> values = releases.upgrades.get(1).values();
            assertThat(ChartValues.get(values, "canary.weight")).contains(50);
            assertThat(ChartValues.get(values, "canary.image.digest")).contains(NEW_DIGEST);
            assertThat(ChartValues.get(values, "image.digest")).contains(DIGEST);
            assertThat(r.canary()).endsWith("at 50%");
        }

        @Test
        void promoteMakesTheCanaryStable() {
            ProjectConfig config = servingOld();
            deployer(config, "ml").withImage(NEW, "v2").withCanaryWeight(30).deploy();
            DeployResult r = deployer(config, "ml").promote();
            Map<String, Object> values = releases.upgrades.get(1).values();
            assertThat(ChartValues.get(values, "image.digest")).contains(NEW_DIGEST);
            assertThat(ChartValues.get(values, "model.version")).contains("v2");
            assertThat(ChartValues.get(values, "canary.enabled")).contains(false);
            assertThat(r.image()).isEqualTo(NEW.pinned());
            assertThat(r.canary()).isEmpty();
            assertThat(deployer(config, "ml").deployedModelVersion()).contains("v2");
        }

        @Test
        void abortRemovesTheCanaryAndKeepsTheStableImage() {
            ProjectConfig config = servingOld();
            deployer(config, "ml").withImage(NEW, "v2").deploy();
            DeployResult r = deployer(config, "ml").abortCanary();
            Map<String, Object> values = releases.upgrades.get(1).values();
            assertThat(ChartValues.get(values, "canary.enabled")).contains(false);
            assertThat(ChartValues.get(values, "image.digest")).contains(DIGEST);
            assertThat(r.image()).isEqualTo(OLD.pinned());
            assertThat(deployer(config, "ml").deployedModelVersion()).contains("v1");
        }

        @Test
        void promoteWithoutACanaryIsRefused() {
            ProjectConfig config = servingOld();
            assertThatThrownBy(() -> deployer(config, "ml").promote())
                    .hasMessage("no canary runs in release iris-classifier in namespace ml to promote");
        }

        @Test
        void theFirstDeployOfACanaryProjectIsTheStableOne() {
            DeployResult r = deployer(canary(), "ml").withImage(NEW, "v2").deploy();
            assertThat(ChartValues.get(releases.upgrades.get(0).values(), "canary.enabled")).contains(false);
            assertThat(r.image()).isEqualTo(NEW.pinned());
        }
    }

    @Nested
    class History {
        @Test
        void joinsEachRevisionsValuesAndMetricsAndAnswersWhatServedWhen() {
            ProjectConfig config = rolling();
            DeployTarget target = DeployTarget.of(config, Optional.empty());
            releases.seed("superseded", ChartValues.of(config, target, OLD, "v1", Optional.empty()), "cd4ml deploy");
            releases.seed("failed", ChartValues.of(config, target, NEW, "v2", Optional.empty()), "Upgrade failed");
            releases.seed("deployed", ChartValues.of(config, target, OLD, "v1", Optional.empty()), "Rollback to 1");
            Map<String, Map<String, Double>> metrics = Map.of("v1", Map.of("accuracy", 0.93), "v2", Map.of("accuracy",
                    0.95));

            HistoryResult now = deployer(config, "ml").history(Optional.empty(), v -> metrics.getOrDefault(v, Map.of()));
            assertThat(now.revisions()).extracting(HistoryEntry::revision, HistoryEntry::status,
                    HistoryEntry::modelVersion, HistoryEntry::image).containsExactly(
                            org.assertj.core.groups.Tuple.tuple(1, "superseded", "v1", OLD.pinned()),
                            org.assertj.core.groups.Tuple.tuple(2, "failed", "v2", NEW.pinned()),
                            org.assertj.core.groups.Tuple.tuple(3, "deployed", "v1", OLD.pinned()));
            assertThat(now.revisions().get(1).metrics()).containsEntry("accuracy", 0.95);
            assertThat(now.servingAt().revision()).isEqualTo(3);

            // revision 2 (10:02) failed: between it and the rollback (10:03) revision 1 still served
            HistoryResult then = deployer(config, "ml").history(Optional.of(java.time.Instant.parse(
                    "2026-11-29T10:02:30Z")), v -> Map.of());
            assertThat(then.servingAt().revision()).isEqualTo(1);
            assertThat(then.at()).isEqualTo("2026-11-29T10:02:30Z");
            assertThat(deployer(config, "ml").history(Optional.of(java.time.Instant.parse("2026-11-29T09:00:00Z")),
                    v -> Map.of()).servingAt()).isNull();
        }
    }

    @Nested
    class Stopping {

        private Deployer deployer(CancelToken cancel) {
            return Deployer.forProject(rolling(), TestContexts.context(events::add, cancel)).withReleases(releases)
                    .withCluster(DeployProjects.access("ml")).withKubernetesClients(a -> new KubernetesClientBuilder()
                            .withConfig(client.getConfiguration()).build())
                    .withWatchPeriod(Duration.ofMillis(50)).withImage(NEW, "v2");
        }

        @Test
        void aCancelInterruptsTheHelmCallStopsTheRolloutWatchAndReportsStopped() throws Exception {
            CancelToken cancel = new CancelToken();
            CountDownLatch helmWaits = new CountDownLatch(1);
            CountDownLatch helmInterrupted = new CountDownLatch(1);
            releases.onUpgrade = r -> {
                helmWaits.countDown();
                try {
                    Thread.sleep(120_000); // a rollout that never becomes ready, as Helm waits for it
                    return null;
                } catch (InterruptedException e) {
                    helmInterrupted.countDown();
                    return new IllegalStateException("interrupted");
                }
            };
            CompletableFuture<DeployResult> deploying = CompletableFuture.supplyAsync(() -> deployer(cancel).deploy());
            assertThat(helmWaits.await(30, TimeUnit.SECONDS)).as("Helm was called").isTrue();
            assertThat(watchers()).as("the rollout is watched while Helm waits").isNotEmpty();

            cancel.cancel();

            assertThatThrownBy(() -> deploying.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("the Helm deploy of release iris-classifier in namespace ml")
                    .hasMessageContaining("helm status iris-classifier -n ml");
            assertThat(helmInterrupted.await(10, TimeUnit.SECONDS)).as("the Helm call's thread was interrupted").isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!watchers().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(watchers()).as("the rollout watch stopped").isEmpty();
            assertThat(releases.history).as("no revision was recorded").isEmpty();
        }

        @Test
        void aCancelledTokenMakesNoHelmCall() {
            CancelToken cancel = new CancelToken();
            cancel.cancel();
            assertThatThrownBy(() -> deployer(cancel).deploy()).isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("before it started");
            assertThat(releases.calls).isEmpty();
        }

        @Test
        void aCancelDuringTheHistoryReadStopsItToo() {
            CancelToken cancel = new CancelToken();
            RecordingReleases slow = new RecordingReleases() {
                @Override
                public List<RevisionInfo> history(String release, KubeAccess cluster) {
                    cancel.cancel(); // Ctrl-C while helm history runs
                    return super.history(release, cluster);
                }
            };
            assertThatThrownBy(() -> Deployer.forProject(rolling(), TestContexts.context(events::add, cancel))
                    .withReleases(slow).withCluster(DeployProjects.access("ml")).history(Optional.empty(), v -> Map.of()))
                    .isInstanceOf(OperationStoppedException.class)
                    .hasMessageContaining("the Helm history of release iris-classifier in namespace ml");
        }

        private List<Thread> watchers() {
            return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .filter(t -> t.getName().equals("cd4ml-rollout-watcher")).toList();
        }
    }

    @Test
    void aRunDeploysToHelmOnlyWhatItPushed() {
        ProjectConfig config = rolling();
        assertThat(RunDeployment.needsPush(config, Optional.empty())).isTrue();
        assertThatThrownBy(() -> RunDeployment.deploy(config, Optional.empty(), Optional.empty(), "file:/m.tar.gz",
                "", TestContexts.context(events::add))).isInstanceOf(Cd4mlException.class)
                .hasMessage("a Helm deploy needs the serving image pushed to a registry the cluster pulls from");
    }

    @Test
    void nothingDeployedHasNoModelVersion() {
        assertThat(deployer(rolling(), "ml").deployedModelVersion()).isEmpty();
    }
}
