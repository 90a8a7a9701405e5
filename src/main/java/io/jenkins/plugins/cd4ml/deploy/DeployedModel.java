package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import java.util.Optional;

/**
 * The model version serving in an environment now, whatever its target: for
 * {@code quality_gate.compare_to: deployed[:ENV]}.
 *
 * <pre>{@code
 * Optional<String> champion = DeployedModel.version(config, Optional.of("production"), context);
 * }</pre>
 */
public final class DeployedModel {

    private DeployedModel() {
    }

    /**
     * Helm: {@code model.version} of the release's current values; local: the label of the running
     * container. Empty when nothing is deployed there (or, local, no Docker daemon answers).
     *
     * @param environment under {@code deploy.environments}; empty for the top-level settings
     * @param context the operation's: its environment ({@code KUBECONFIG}, {@code HOME},
     *     {@code DOCKER_HOST}), Docker daemon and cancel token (a cancel stops waiting for Helm)
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException when the environment or the cluster is not usable
     * @throws io.jenkins.plugins.cd4ml.OperationStoppedException when the operation is cancelled
     */
    public static Optional<String> version(ProjectConfig config, Optional<String> environment, EngineContext context) {
        DeployTarget target = DeployTarget.of(config, environment);
        context.cancel().throwIfCancelled("reading which model serves in " + environment.map(e -> "environment " + e)
                .orElse("the deploy target") + ", before it started");
        if (target.target().equals("local")) {
            return LocalDeployer.forProject(config, context).withEnvironment(environment).deployedModelVersion();
        }
        return Deployer.forProject(config, context).withEnvironment(environment).deployedModelVersion();
    }
}
