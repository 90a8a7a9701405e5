package io.jenkins.plugins.cd4ml.gate;

import java.util.Optional;

/**
 * Which model version serves in a deploy environment now, for
 * {@code quality_gate.compare_to: deployed[:ENV]}: the deploy package answers it (Helm: the
 * release's {@code model.version} value; local: the running container's label).
 *
 * <p>Empty means nothing is deployed there yet; an exception means the lookup itself is broken
 * (the cluster cannot be reached).
 */
@FunctionalInterface
public interface DeployedVersions {

    /**
     * The model version serving in {@code environment}.
     *
     * @param environment a {@code deploy.environments} key; empty for the deploy section's own settings
     */
    Optional<String> serving(Optional<String> environment);
}
