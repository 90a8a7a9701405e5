package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.DeployConfig;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import java.util.Optional;

/**
 * Where one deploy goes: the {@code deploy} section with one environment's overrides applied.
 *
 * @param environment the environment's name, or empty for the top-level settings
 * @param target {@code helm} or {@code local}
 * @param namespace the Kubernetes namespace ({@code default} when none is configured)
 * @param kubeContext the kubeconfig context, or empty for the kubeconfig's current one
 * @param kubeconfig the kubeconfig file from config.yaml, or empty
 */
public record DeployTarget(String environment, String target, String namespace, String release, String kubeContext,
        String kubeconfig) {

    /**
     * Resolves {@code environment} (empty: the top-level settings).
     *
     * @throws Cd4mlException (bad input) when there is no deploy section or no such environment
     */
    public static DeployTarget of(ProjectConfig config, Optional<String> environment) {
        DeployConfig deploy = config.deploy().orElseThrow(() -> Cd4mlException.badInput(config.file().getFileName()
                + " has no deploy section", "add one (see the README, \"Deploy\"), e.g. deploy: {target: local}"));
        if (environment.isEmpty()) {
            return new DeployTarget("", deploy.target(), deploy.namespace().orElse("default"), deploy.release(),
                    deploy.kubeContext().orElse(""), deploy.kubeconfig().orElse(""));
        }
        String name = environment.get();
        DeployConfig.Environment env = deploy.environments().get(name);
        if (env == null) {
            throw Cd4mlException.badInput("environment '" + name + "' is not in " + config.file().getFileName()
                    + " (deploy.environments)", deploy.environments().isEmpty()
                            ? "add it under deploy.environments, or deploy without --environment"
                            : "use one of: " + String.join(", ", deploy.environments().keySet()));
        }
        return new DeployTarget(name, env.target().orElse(deploy.target()),
                env.namespace().or(deploy::namespace).orElse("default"), env.release().orElse(deploy.release()),
                env.kubeContext().or(deploy::kubeContext).orElse(""), env.kubeconfig().or(deploy::kubeconfig).orElse(""));
    }

    /** {@code release in namespace} (and environment), for messages. */
    public String describe() {
        return "release " + release + " in namespace " + namespace + (environment.isEmpty() ? ""
                : " (environment " + environment + ")");
    }
}
