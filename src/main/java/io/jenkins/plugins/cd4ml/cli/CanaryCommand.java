package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cd4ml canary promote|abort}: ends a canary of {@code deploy.strategy: canary}. Named
 * apart from model promotion ({@code LATEST}, which {@code cd4ml train} and {@code cd4ml run}
 * do); {@code cd4ml promote} and {@code cd4ml abort-canary} are the same commands under their
 * first names, which Jenkinsfiles use (they inherit the exit codes and options declared here
 * and in {@link ReleaseChangeCommand}; only their names and descriptions differ).
 */
@Command(name = "canary", mixinStandardHelpOptions = true,
        description = "End the canary of a Helm release (deploy.strategy: canary): promote it to the stable release, "
                + "or abort it. Start or step one with cd4ml deploy --image REF [--canary-weight N].",
        subcommands = {CanaryCommand.Promote.class, CanaryCommand.Abort.class})
final class CanaryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ErrorReporter.BAD_INPUT;
    }

    /** The canary becomes the stable release. */
    @Command(name = "promote",
            description = "Make the running canary the stable release: the stable pods get its image and model, and "
                    + "the canary Deployment, Service and Ingress are removed. (Not model promotion: that is what "
                    + "cd4ml train and cd4ml run do to LATEST.)",
            exitCodeList = {"0:promoted", "1:the rollout failed (and was rolled back), or the command was stopped",
                "2:no canary, bad usage or configuration"})
    static class Promote extends ReleaseChangeCommand {
        @Override
        DeployResult change(Deployer deployer) {
            return deployer.promote();
        }
    }

    /** The canary is removed. */
    @Command(name = "abort",
            description = "Remove the running canary (its Deployment, Service and Ingress); the stable pods are "
                    + "untouched.",
            exitCodeList = {"0:the canary was removed", "1:the upgrade failed, or the command was stopped",
                "2:no canary, bad usage or configuration"})
    static class Abort extends ReleaseChangeCommand {
        @Override
        DeployResult change(Deployer deployer) {
            return deployer.abortCanary();
        }
    }
}
