package io.jenkins.plugins.cd4ml.deploy;

import java.io.Serializable;
import java.util.List;

/**
 * Why a rollout did not become ready, as found on the cluster.
 *
 * @param object what it is about: {@code pod/NAME}, {@code replicaset/NAME} or {@code deployment/NAME}
 * @param container the container, empty when the problem is the pod's or a controller's
 * @param reason a short cause: {@code ImagePullBackOff}, {@code CrashLoopBackOff}, {@code ReadinessProbeFailed},
 *     {@code QuotaExceeded}, {@code Unschedulable}, {@code OOMKilled}, ...
 * @param message Kubernetes' words
 * @param logTail the last log lines of a crashing container (its previous run), else empty
 */
public record RolloutProblem(String object, String container, String reason, String message, List<String> logTail)
        implements Serializable {

    /** One line for humans, e.g. {@code pod/iris-7d9 container server: ImagePullBackOff (…)}. */
    public String describe() {
        return object + (container.isEmpty() ? "" : " container " + container) + ": " + reason
                + (message.isEmpty() ? "" : " (" + message + ")");
    }

    /** What to do about it. */
    public String suggestion() {
        return switch (reason) {
            case "ImagePullBackOff", "ErrImagePull", "InvalidImageName" -> "check that the image was pushed and that "
                    + "the cluster can pull it (registry reachable from the nodes, imagePullSecrets in "
                    + "deploy.values for a private registry)";
            case "CrashLoopBackOff", "Error", "OOMKilled" -> reason.equals("OOMKilled")
                    ? "give the model more memory: deploy.resources.memory"
                    : "the server exits at start; its last log lines are above (run the image locally with cd4ml "
                            + "serve --image to reproduce)";
            case "ReadinessProbeFailed" -> "the model does not become ready (/ready): it may fail to load or "
                    + "predict its example row; see kubectl logs, or raise probes in deploy.values";
            case "QuotaExceeded" -> "the namespace's ResourceQuota leaves no room: lower deploy.resources or "
                    + "deploy.replicas, or raise the quota";
            case "Unschedulable" -> "no node has room for the pod: lower deploy.resources or add nodes";
            case "SmokeTestFailed" -> "the server's last log lines are above; reproduce with cd4ml serve "
                    + "(--no-container to run it as a process)";
            default -> "see kubectl describe " + object;
        };
    }
}
