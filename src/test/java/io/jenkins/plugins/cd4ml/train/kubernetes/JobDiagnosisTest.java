package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pod and Job states in words, for the cases the end-to-end tests do not reach. */
class JobDiagnosisTest {

    private static final String WHERE = "Kubernetes Job " + KubernetesProjects.RUN_ID + " in namespace ml";

    private JobDiagnosis diagnosis;

    @BeforeEach
    void spec(@TempDir Path tmp) throws Exception {
        diagnosis = new JobDiagnosis(new TrainingJobSpec(KubernetesProjects.job(
                KubernetesProjects.load(tmp.resolve("p"), KubernetesProjects.FULL), tmp.resolve("run")), "ml"));
    }

    private static Pod pod(String phase, String podReason, ContainerStatusBuilder container) {
        return new PodBuilder().withNewMetadata().withName("p-1").endMetadata()
                .withNewSpec().withNodeName("node-1").endSpec()
                .withNewStatus().withPhase(phase).withReason(podReason)
                    .withMessage(podReason == null ? null : "The node was low on resource: memory.")
                    .withContainerStatuses(container == null ? null : container.withName("train").build())
                .endStatus().build();
    }

    private static ContainerStatusBuilder terminated(int exitCode, String reason, String message) {
        return new ContainerStatusBuilder().withNewState().withNewTerminated().withExitCode(exitCode)
                .withReason(reason).withMessage(message).endTerminated().endState();
    }

    private static JobCondition failed(String reason) {
        return new JobConditionBuilder().withType("Failed").withStatus("True").withReason(reason).build();
    }

    @Test
    void anImageWithoutPythonCannotStartTheBootstrap() {
        TrainingFailedException e = diagnosis.jobFailed(failed("BackoffLimitExceeded"), Optional.of(pod("Failed",
                null, terminated(128, "StartError", "exec: \"python\": executable file not found in $PATH"))));

        assertThat(e).hasMessage("the training container of " + WHERE + " could not start: exec: \"python\": "
                + "executable file not found in $PATH");
        assertThat(e.suggestion()).get().asString().contains("train.image must contain Python 3");
    }

    @Test
    void aLogTailAsTerminationMessageIsShortenedToItsLastLine() {
        TrainingFailedException e = diagnosis.jobFailed(failed("BackoffLimitExceeded"), Optional.of(pod("Failed",
                null, terminated(1, "Error", "Traceback (most recent call last):\n  File \"train.py\", line 3\n"
                        + "KeyError: 'species'\n"))));

        assertThat(e).hasMessage("training failed with exit code 1: KeyError: 'species' (" + WHERE + ")");
    }

    @Test
    void anEvictedPodNamesTheResources() {
        Optional<TrainingFailedException> e = diagnosis.podFailure(pod("Failed", "Evicted", null));

        assertThat(e).get().satisfies(f -> {
            assertThat(f).hasMessage("the training pod of " + WHERE + " was evicted: The node was low on resource: "
                    + "memory.");
            assertThat(f.suggestion()).get().asString().contains("train.resources");
        });
    }

    @Test
    void aJobFailureWithoutPodDetailsKeepsTheControllersWords() {
        TrainingFailedException e = diagnosis.jobFailed(new JobConditionBuilder().withType("Failed")
                .withStatus("True").withReason("PodFailurePolicy").withMessage("Container train for pod ml/p-1 "
                        + "failed with exit code 42 matching FailJob rule at index 0").build(), Optional.empty());

        assertThat(e).hasMessage(WHERE + " failed (PodFailurePolicy: Container train for pod ml/p-1 failed with "
                + "exit code 42 matching FailJob rule at index 0)");
    }

    @Test
    void aContainerThatCannotBeCreatedIsStuck() {
        Pod pod = pod("Pending", null, new ContainerStatusBuilder().withNewState().withNewWaiting()
                .withReason("CreateContainerError").withMessage("failed to reserve container name").endWaiting()
                .endState());

        assertThat(diagnosis.stuck(pod)).get().satisfies(e -> assertThat(e)
                .hasMessage("Kubernetes cannot create the training container of " + WHERE
                        + " (CreateContainerError: failed to reserve container name)"));
    }

    @Test
    void containerCreatingIsProgressNotAProblem() {
        Pod pod = pod("Pending", null, new ContainerStatusBuilder().withNewState().withNewWaiting()
                .withReason("ContainerCreating").endWaiting().endState());

        assertThat(diagnosis.stuck(pod)).isEmpty();
        assertThat(diagnosis.progress(pod)).isEqualTo("pod p-1 scheduled on node node-1; pulling image "
                + KubernetesProjects.IMAGE + " and starting the container");
    }
}
