package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * The shape of a command that works on one project: the common options, the project's
 * configuration loaded (a configuration error ends it with exit 2 before any work), then the
 * work, which prints its result on the console and returns the exit code.
 */
abstract class ProjectCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public final Integer call() {
        return run(common.loader().load(), common.console());
    }

    /** Does the work on the loaded configuration; returns the exit code. */
    abstract int run(ProjectConfig config, Console console);
}
