package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.util.OptionalInt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cd4ml rollback}: serve an earlier Helm revision again. */
@Command(name = "rollback",
        description = "Deploy the values of an earlier revision of the release again (default: the last successful "
                + "one before the current), with --atomic --wait like a deploy. The history gains a revision.",
        exitCodeList = {"0:rolled back", "1:the rollout failed, or the command was stopped",
            "2:bad usage or configuration"})
final class RollbackCommand extends ReleaseChangeCommand {

    @Option(names = "--revision", paramLabel = "N", description = "The revision to go back to (see helm history).")
    Integer revision;

    @Override
    DeployResult change(Deployer deployer) {
        return deployer.rollback(revision == null ? OptionalInt.empty() : OptionalInt.of(revision));
    }
}
