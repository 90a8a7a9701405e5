package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a training pod's and Job's status the way a person at {@code kubectl describe} would:
 * progress in words, problems that will not go away by waiting, and why a Job failed, naming the
 * configuration key to change.
 */
final class JobDiagnosis {

    /** Waiting reasons Kubernetes retries forever but that need a person to fix. */
    static final Set<String> IMAGE_PROBLEMS = Set.of("ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");
    static final Set<String> CONFIG_PROBLEMS = Set.of("CreateContainerConfigError", "CreateContainerError");

    private final TrainingJobSpec spec;

    JobDiagnosis(TrainingJobSpec spec) {
        this.spec = spec;
    }

    /** The pod's progress in a few words; the same words as long as nothing changes. */
    String progress(Pod pod) {
        String name = "pod " + pod.getMetadata().getName();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        Optional<ContainerState> state = container(pod).map(ContainerStatus::getState);
        if ("Succeeded".equals(phase)) {
            return name + " finished";
        }
        if ("Failed".equals(phase)) {
            return name + " failed";
        }
        if (state.map(ContainerState::getRunning).isPresent()) {
            return name + " running" + (node != null ? " on node " + node : "");
        }
        if (state.map(ContainerState::getTerminated).isPresent()) {
            return name + " finishing";
        }
        if (!isScheduled(pod)) {
            return name + " pending: waiting for a node";
        }
        return name + " scheduled on node " + node + "; pulling image " + spec.image()
                + " and starting the container";
    }

    /** Why the pod cannot be scheduled yet, if it cannot. */
    static Optional<String> unschedulable(Pod pod) {
        return podCondition(pod, "PodScheduled")
                .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()))
                .map(c -> c.getMessage() != null ? c.getMessage() : "no node fits the pod");
    }

    /** True once the training container runs or ran, so it has a log. */
    static boolean hasStarted(Pod pod) {
        return container(pod).map(ContainerStatus::getState)
                .filter(s -> s.getRunning() != null || s.getTerminated() != null)
                .isPresent();
    }

    /** A problem waiting will not fix (a bad image, a missing Secret), if the pod has one. */
    Optional<TrainingFailedException> stuck(Pod pod) {
        Optional<ContainerStateWaiting> waiting = container(pod).map(ContainerStatus::getState)
                .map(ContainerState::getWaiting).filter(w -> w.getReason() != null);
        if (waiting.isEmpty()) {
            return Optional.empty();
        }
        String reason = waiting.get().getReason();
        String message = waiting.get().getMessage() != null ? ": " + waiting.get().getMessage() : "";
        if (IMAGE_PROBLEMS.contains(reason)) {
            return Optional.of(new TrainingFailedException("Kubernetes cannot pull the training image '"
                    + spec.image() + "' (" + reason + message + ") for " + where(),
                    "check train.image (or --image): that the repository and tag exist and the cluster's nodes can "
                            + "reach the registry; for a private registry give the pod's service account an "
                            + "imagePullSecret (train.kubernetes.service_account)"));
        }
        if (CONFIG_PROBLEMS.contains(reason)) {
            return Optional.of(new TrainingFailedException("Kubernetes cannot create the training container of "
                    + where() + " (" + reason + message + ")", "check that every Secret in "
                            + "train.kubernetes.secrets exists in namespace " + spec.namespace() + " (kubectl get "
                            + "secrets -n " + spec.namespace() + ") and that train.kubernetes.env is valid"));
        }
        return Optional.empty();
    }

    /**
     * Why the Job failed.
     *
     * @param failed the Job's {@code Failed} (or {@code FailureTarget}) condition
     * @param pod the run's pod, if it still exists
     */
    TrainingFailedException jobFailed(JobCondition failed, Optional<Pod> pod) {
        if ("DeadlineExceeded".equals(failed.getReason())) {
            return timedOut(pod);
        }
        if (pod.isPresent()) {
            Optional<TrainingFailedException> fromPod = podFailure(pod.get());
            if (fromPod.isPresent()) {
                return fromPod.get();
            }
        }
        return new TrainingFailedException(where() + " failed (" + failed.getReason()
                + (failed.getMessage() != null ? ": " + failed.getMessage() : "") + ")", logHint());
    }

    /** Why the pod failed, from its own status (when the Job has not said yet). */
    Optional<TrainingFailedException> podFailure(Pod pod) {
        String podReason = pod.getStatus() == null ? null : pod.getStatus().getReason();
        if ("DeadlineExceeded".equals(podReason)) {
            return Optional.of(timedOut(Optional.of(pod)));
        }
        Optional<ContainerStateTerminated> terminated = container(pod).map(ContainerStatus::getState)
                .map(ContainerState::getTerminated);
        if (terminated.isPresent() && "OOMKilled".equals(terminated.get().getReason())) {
            return Optional.of(outOfMemory());
        }
        if (terminated.isPresent() && terminated.get().getExitCode() != null && terminated.get().getExitCode() != 0) {
            ContainerStateTerminated t = terminated.get();
            if ("StartError".equals(t.getReason()) || "ContainerCannotRun".equals(t.getReason())) {
                return Optional.of(new TrainingFailedException("the training container of " + where()
                        + " could not start: " + message(t), "train.image must contain Python 3 (as python3, or as "
                                + "the interpreter train.command names); cd4ml starts its bootstrap with it"));
            }
            String text = message(t);
            return Optional.of(new TrainingFailedException("training failed with exit code " + t.getExitCode()
                    + (text.isEmpty() ? "" : ": " + text) + " (" + where() + ")", logHint()));
        }
        if ("Evicted".equals(podReason)) {
            return Optional.of(new TrainingFailedException("the training pod of " + where() + " was evicted: "
                    + pod.getStatus().getMessage(), "set train.resources so that the pod gets what it uses and is "
                            + "not evicted when its node runs short"));
        }
        return Optional.empty();
    }

    private TrainingFailedException timedOut(Optional<Pod> pod) {
        String limit = "training exceeded train.timeout (" + Durations.format(spec.trainingJob().timeout())
                + ") and was stopped (" + where() + ")";
        Optional<String> unschedulable = pod.flatMap(JobDiagnosis::unschedulable);
        if (pod.isEmpty() || unschedulable.isPresent() || !isScheduled(pod.get())) {
            return new TrainingFailedException(limit + "; its pod was never scheduled"
                    + unschedulable.map(m -> ": " + m).orElse(""), "make room in the cluster for train.resources, "
                            + "check train.kubernetes.node_selector and tolerations, or raise train.timeout");
        }
        if (!hasStarted(pod.get())) {
            return new TrainingFailedException(limit + "; its container never started", "check the pod's events "
                    + "(kubectl describe pod -n " + spec.namespace() + " -l " + TrainingJobSpec.RUN_ID_LABEL + "="
                    + spec.jobName() + "), e.g. for a slow image pull, or raise train.timeout");
        }
        return new TrainingFailedException(limit, "raise train.timeout or make the script faster");
    }

    private TrainingFailedException outOfMemory() {
        Optional<String> memory = spec.trainingJob().project().train().resources().memory();
        if (memory.isPresent()) {
            return new TrainingFailedException("training ran out of memory: the kernel killed it (OOMKilled) at the "
                    + "train.resources.memory limit of " + memory.get() + " (" + where() + ")",
                    "raise train.resources.memory, or make the script use less memory (smaller batches, fewer rows "
                            + "at once)");
        }
        return new TrainingFailedException("training ran out of memory: the kernel killed it (OOMKilled) at a limit "
                + "set by the namespace or node, as train.resources.memory is not set (" + where() + ")",
                "set train.resources.memory to what the script needs");
    }

    /** The termination message: the script's failure text, else the end of its log; its last line if long. */
    private static String message(ContainerStateTerminated terminated) {
        String text = terminated.getMessage() == null ? "" : terminated.getMessage().strip();
        if (!text.contains("\n")) {
            return text;
        }
        String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "";
    }

    private String logHint() {
        return "the full log stays for a day: kubectl logs job/" + spec.jobName() + " -n " + spec.namespace();
    }

    String where() {
        return "Kubernetes Job " + spec.jobName() + " in namespace " + spec.namespace();
    }

    private static boolean isScheduled(Pod pod) {
        return (pod.getSpec() != null && pod.getSpec().getNodeName() != null)
                || podCondition(pod, "PodScheduled").filter(c -> "True".equals(c.getStatus())).isPresent();
    }

    private static Optional<PodCondition> podCondition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    static Optional<ContainerStatus> container(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(s -> TrainingJobSpec.CONTAINER.equals(s.getName())).findFirst();
    }
}
