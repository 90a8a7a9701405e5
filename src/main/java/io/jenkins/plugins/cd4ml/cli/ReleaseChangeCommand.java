package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The shape of the commands that move a Helm release about (rollback, canary promote and abort):
 * the deploy options, one change, and the deploy summary; exit 1 when the change did not take.
 */
@Command(mixinStandardHelpOptions = true, exitCodeListHeading = "%nExit codes:%n")
abstract class ReleaseChangeCommand extends ProjectCommand {

    @Mixin
    DeployOptions target;

    /** Makes the change with the deployer of the project and options. */
    abstract DeployResult change(Deployer deployer);

    @Override
    final int run(ProjectConfig config, Console console) {
        DeployResult result = change(target.deployer(config, common));
        console.result(result, DeployCommand.summary(result));
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }
}
