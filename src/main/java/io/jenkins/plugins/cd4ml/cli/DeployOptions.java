package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where a deploy, rollback, promote or abort goes: environment, cluster, and how long to wait. */
final class DeployOptions {

    @Option(names = {"-e", "--environment"}, paramLabel = "ENV",
            description = "An environment under deploy.environments (e.g. staging). Default: the top-level deploy "
                    + "settings.")
    String environment;

    @Option(names = "--kube-context", paramLabel = "CONTEXT",
            description = "The kubeconfig context. Default: deploy.kube_context, else the kubeconfig's current one.")
    String kubeContext;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The kubeconfig file. Default: deploy.kubeconfig, else KUBECONFIG, else ~/.kube/config, "
                    + "else the pod's service account.")
    String kubeconfig;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long Helm waits for the pods to become ready before it rolls back (e.g. 90s, 10m). "
                    + "Default: ${DEFAULT-VALUE}.")
    String timeout;

    /**
     * A deployer of {@code config} in the command's context (its environment, its terminal for
     * events, its cancel token), with these options applied.
     */
    Deployer deployer(ProjectConfig config, CommonOptions common) {
        Duration wait;
        try {
            wait = Durations.parse(timeout);
        } catch (IllegalArgumentException e) {
            throw Cd4mlException.badInput("--timeout " + e.getMessage(), "use e.g. 90s, 5m or 1h");
        }
        return Deployer.forProject(config, common.context()).withEnvironment(Optional.ofNullable(environment))
                .withKubeContext(Optional.ofNullable(kubeContext)).withKubeconfig(Optional.ofNullable(kubeconfig))
                .withTimeout(wait);
    }
}
