package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Why a release's pods are not ready, found the way a controller and the kubelet leave them. */
@EnableKubernetesMockClient(crud = true, https = false)
class RolloutDiagnosisTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private Pod pod(String name, String instance, ContainerStatusBuilder status, String phase) {
        Pod pod = client.pods().inNamespace("ml").resource(new PodBuilder().withNewMetadata().withName(name)
                .addToLabels("app.kubernetes.io/name", "cd4ml-model").addToLabels("app.kubernetes.io/instance", instance)
                .endMetadata().withNewSpec().addNewContainer().withName("server").withImage("r/iris:1").endContainer()
                .endSpec().build()).create();
        PodStatusBuilder s = new PodStatusBuilder().withPhase(phase);
        if (status != null) {
            s.addToContainerStatuses(status.withName("server").withImage("r/iris:1").build());
        }
        pod.setStatus(s.build());
        return client.pods().inNamespace("ml").resource(pod).updateStatus();
    }

    private List<RolloutProblem> inspect() {
        return new RolloutDiagnosis(client, "ml").inspect(List.of("iris", "iris-canary"));
    }

    @Test
    void crashLoopWithTheLastLogLinesOfThePreviousRun() {
        pod("iris-5c-abc", "iris", new ContainerStatusBuilder().withReady(false).withRestartCount(4)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off 1m20s")
                .endWaiting().endState().withNewLastState().withNewTerminated().withExitCode(2).withReason("Error")
                .endTerminated().endLastState(), "Running");
        server.expect().get().withPath("/api/v1/namespaces/ml/pods/iris-5c-abc/log?pretty=false&container=server"
                + "&previous=true&tailLines=20").andReturn(200, "starting\ncd4ml-serving: invalid environment: "
                        + "CD4ML_WORKERS must be >= 1, got 0\n").always();

        List<RolloutProblem> problems = inspect();

        assertThat(problems).containsExactly(new RolloutProblem("pod/iris-5c-abc", "server", "CrashLoopBackOff",
                "exit code 2 (Error), restarted 4 times", List.of("starting",
                        "cd4ml-serving: invalid environment: CD4ML_WORKERS must be >= 1, got 0")));
        assertThat(problems.get(0).describe()).isEqualTo("pod/iris-5c-abc container server: CrashLoopBackOff "
                + "(exit code 2 (Error), restarted 4 times)");
    }

    @Test
    void outOfMemoryKillsSuggestMoreMemory() {
        pod("iris-5c-oom", "iris", new ContainerStatusBuilder().withReady(false).withRestartCount(1)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated()
                .endLastState(), "Running");
        server.expect().get().withPath("/api/v1/namespaces/ml/pods/iris-5c-oom/log?pretty=false&container=server"
                + "&previous=true&tailLines=20").andReturn(200, "").always();
        RolloutProblem p = inspect().get(0);
        assertThat(p.reason()).isEqualTo("OOMKilled");
        assertThat(p.suggestion()).contains("deploy.resources.memory");
    }

    @Test
    void readinessFailingNamesTheProbeFromThePodsEvents() {
        pod("iris-canary-9f-q", "iris-canary", new ContainerStatusBuilder().withReady(false).withRestartCount(0)
                .withNewState().withNewRunning().withStartedAt("2026-11-29T10:00:00Z").endRunning().endState(), "Running");
        client.v1().events().inNamespace("ml").resource(new EventBuilder().withNewMetadata().withName("e1").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName("iris-canary-9f-q").withNamespace("ml")
                .endInvolvedObject().withReason("Unhealthy").withType("Warning")
                .withMessage("Readiness probe failed: HTTP probe failed with statuscode: 503").build()).create();

        assertThat(inspect()).containsExactly(new RolloutProblem("pod/iris-canary-9f-q", "server",
                "ReadinessProbeFailed", "Readiness probe failed: HTTP probe failed with statuscode: 503", List.of()));
    }

    @Test
    void quotaFromTheReplicaSetsCondition() {
        ReplicaSet rs = client.apps().replicaSets().inNamespace("ml").resource(new ReplicaSetBuilder().withNewMetadata()
                .withName("iris-5c").addToLabels("app.kubernetes.io/instance", "iris").endMetadata().withNewSpec()
                .withReplicas(1).withNewSelector().addToMatchLabels("app.kubernetes.io/instance", "iris").endSelector()
                .endSpec().build()).create();
        rs.setStatus(new ReplicaSetStatusBuilder().withReplicas(0).addNewCondition().withType("ReplicaFailure")
                .withStatus("True").withReason("FailedCreate").withMessage("pods \"iris-5c-x\" is forbidden: exceeded "
                        + "quota: compute, requested: requests.memory=512Mi, used: requests.memory=1Gi, limited: "
                        + "requests.memory=1Gi").endCondition().build());
        client.apps().replicaSets().inNamespace("ml").resource(rs).updateStatus();

        List<RolloutProblem> problems = inspect();
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).object()).isEqualTo("replicaset/iris-5c");
        assertThat(problems.get(0).reason()).isEqualTo("QuotaExceeded");
        assertThat(problems.get(0).message()).contains("exceeded quota: compute");
        assertThat(problems.get(0).suggestion()).contains("ResourceQuota");
    }

    @Test
    void unschedulablePodsSayWhy() {
        Pod pod = client.pods().inNamespace("ml").resource(new PodBuilder().withNewMetadata().withName("iris-5c-p")
                .addToLabels("app.kubernetes.io/instance", "iris").endMetadata().build()).create();
        pod.setStatus(new PodStatusBuilder().withPhase("Pending").addNewCondition().withType("PodScheduled")
                .withStatus("False").withReason("Unschedulable").withMessage("0/1 nodes are available: 1 Insufficient "
                        + "cpu.").endCondition().build());
        client.pods().inNamespace("ml").resource(pod).updateStatus();
        assertThat(inspect()).extracting(RolloutProblem::reason, RolloutProblem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Unschedulable",
                        "0/1 nodes are available: 1 Insufficient cpu."));
    }

    @Test
    void healthyAndStartingPodsAndOtherReleasesAreNoProblem() {
        pod("iris-5c-ok", "iris", new ContainerStatusBuilder().withReady(true).withRestartCount(0)
                .withNewState().withNewRunning().endRunning().endState(), "Running");
        pod("iris-5c-new", "iris", new ContainerStatusBuilder().withReady(false).withRestartCount(0)
                .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState(), "Pending");
        pod("other-1", "other", new ContainerStatusBuilder().withReady(false).withRestartCount(0)
                .withNewState().withNewWaiting().withReason("ImagePullBackOff").endWaiting().endState(), "Pending");
        assertThat(inspect()).isEmpty();
    }
}
