package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import java.util.Map;
import java.util.Optional;

/**
 * The model version serving in an environment now, whatever its target: for
 * {@code quality_gate.compare_to: deployed[:ENV]}.
 *
 * <pre>{@code
 * Optional<String> champion = DeployedModel.version(config, Optional.of("production"), System.getenv());
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
     * @param processEnvironment {@code KUBECONFIG}, {@code HOME}, {@code DOCKER_HOST}
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException when the environment or the cluster is not usable
     */
    public static Optional<String> version(ProjectConfig config, Optional<String> environment,
            Map<String, String> processEnvironment) {
        DeployTarget target = DeployTarget.of(config, environment);
        if (target.target().equals("local")) {
            return LocalDeployer.forProject(config, EngineContext.builder().environment(processEnvironment).build())
                    .withEnvironment(environment).deployedModelVersion();
        }
        return Deployer.forProject(config).withEnvironment(environment).withProcessEnvironment(processEnvironment)
                .deployedModelVersion();
    }
}
