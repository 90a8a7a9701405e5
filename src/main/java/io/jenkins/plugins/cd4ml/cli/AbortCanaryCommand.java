package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cd4ml abort-canary}: removes the canary. */
@Command(name = "abort-canary", mixinStandardHelpOptions = true,
        description = "Remove the running canary (its Deployment, Service and Ingress); the stable pods are untouched.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the canary was removed", "1:the upgrade failed", "2:no canary, bad usage or configuration"})
final class AbortCanaryCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    DeployOptions target;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        Console console = common.console();
        DeployResult result = target.apply(Deployer.forProject(common.loader().load()), common.environment())
                .withEvents(console).abortCanary();
        console.result(result, DeployCommand.summary(result));
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }
}
