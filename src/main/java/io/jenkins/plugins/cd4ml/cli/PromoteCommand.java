package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cd4ml promote}: the canary becomes the stable release. */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Make the running canary the stable release: the stable pods get its image and model, and the "
                + "canary Deployment, Service and Ingress are removed.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:promoted", "1:the rollout failed (and was rolled back)", "2:no canary, bad usage or "
                + "configuration"})
final class PromoteCommand implements Callable<Integer>, HasCommonOptions {

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
                .withEvents(console).promote();
        console.result(result, DeployCommand.summary(result));
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }
}
