package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.engine.CancelToken;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** The {@code cd4ml} command: continuous delivery for machine learning. */
@Command(name = "cd4ml", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Continuous delivery for machine learning: validate, train, tune, gate, build, deploy.",
        subcommands = {ValidateCommand.class, TrainCommand.class, TuneCommand.class, GateCommand.class, RunCommand.class,
            BuildImageCommand.class, ServeCommand.class, DeployCommand.class, RollbackCommand.class,
            CanaryCommand.class, PromoteCommand.class, AbortCanaryCommand.class, HistoryCommand.class, LauncherArgsCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Run 'cd4ml COMMAND --help' for a command's options."})
final class Cd4mlCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The environment of this invocation: the process's, or a test's. */
    final Map<String, String> environment;
    /** Cancelled by Ctrl-C and SIGTERM (see {@link Main}). */
    final CancelToken cancel;

    Cd4mlCommand(Map<String, String> environment, CancelToken cancel) {
        this.environment = Map.copyOf(environment);
        this.cancel = cancel;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ErrorReporter.BAD_INPUT;
    }
}
