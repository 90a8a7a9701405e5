package io.jenkins.plugins.cd4ml.deploy;

import java.io.Serializable;
import java.util.List;

/**
 * The outcome of a deploy, rollback, promote or canary abort.
 *
 * @param operation {@code deploy}, {@code rollback}, {@code promote} or {@code abort-canary}
 * @param environment the environment's name, empty for the top-level settings
 * @param target {@code helm} or {@code local}
 * @param release the Helm release (local: the container's name)
 * @param namespace the Kubernetes namespace (local: empty)
 * @param revision the Helm revision now current (0 when there is none, e.g. a first install rolled back)
 * @param chartVersion the chart's version (local: empty)
 * @param image the image the stable pods run, pinned by digest when known
 * @param modelVersion the model version the stable pods serve
 * @param status {@code deployed}, {@code rolled-back} (the rollout failed and Helm restored
 *     {@code rolledBackTo}), {@code removed} (a first install failed and Helm removed it),
 *     {@code failed} (nothing changed, or the state is unknown) or {@code smoke-tested} (local
 *     target without Docker: the server was tested as a process and stopped)
 * @param url where it answers: the Ingress URL, the in-cluster Service URL, or a local URL
 * @param canary the canary now running, e.g. {@code repo@sha256:… (model 9e8d7c6b5a41) at 10%}, or empty
 * @param rolledBackTo the revision Helm rolled back to, or 0
 * @param problems why the rollout failed, pod by pod
 * @param error Helm's or the smoke test's words when the operation failed, else empty
 */
public record DeployResult(
        String operation,
        String environment,
        String target,
        String release,
        String namespace,
        int revision,
        String chartVersion,
        String image,
        String modelVersion,
        String status,
        String url,
        String canary,
        int rolledBackTo,
        List<RolloutProblem> problems,
        String error) implements Serializable {

    /** True when the release (or local container) now serves what was asked for. */
    public boolean succeeded() {
        return status.equals("deployed") || status.equals("smoke-tested");
    }
}
