package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml rollback}: serve an earlier Helm revision again. */
@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = "Deploy the values of an earlier revision of the release again (default: the last successful "
                + "one before the current), with --atomic --wait like a deploy. The history gains a revision.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:rolled back", "1:the rollout failed", "2:bad usage or configuration"})
final class RollbackCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    DeployOptions target;

    @Option(names = "--revision", paramLabel = "N", description = "The revision to go back to (see helm history).")
    Integer revision;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        Console console = common.console();
        DeployResult result = target.apply(Deployer.forProject(common.loader().load()), common.environment())
                .withEvents(console).rollback(revision == null ? OptionalInt.empty() : OptionalInt.of(revision));
        console.result(result, DeployCommand.summary(result));
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }
}
