package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * The shape of the commands that move a Helm release about (rollback, canary promote and abort):
 * the deploy options, one change, and the deploy summary; exit 1 when the change did not take.
 */
abstract class ReleaseChangeCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    DeployOptions target;

    @Override
    public CommonOptions common() {
        return common;
    }

    /** Makes the change with the deployer of the project and options. */
    abstract DeployResult change(Deployer deployer);

    @Override
    public Integer call() {
        DeployResult result = change(target.deployer(common.loader().load(), common));
        common.console().result(result, DeployCommand.summary(result));
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }
}
