package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** Options every project command takes. */
final class CommonOptions {

    @Parameters(index = "0", arity = "0..1", defaultValue = ".", paramLabel = "PROJECT",
            description = "The model repository (the directory with config.yaml). Default: the current directory.")
    Path project;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The configuration file, relative to PROJECT. Default: config.yaml.")
    Path config;

    @Option(names = "--json", description = "Print the result as one JSON document on stdout (progress goes to stderr).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "Print only the result and errors, not progress or logs.")
    boolean quiet;

    @Option(names = "--stacktrace", description = "Print stack traces of errors (for reporting bugs).")
    boolean stacktrace;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private Console console;

    /** The terminal of this invocation, honouring --json and --quiet. */
    Console console() {
        if (console == null) {
            // System.console() is null when stdout or stdin is not a terminal (Jenkins, pipes, tests)
            console = new Console(spec.commandLine().getOut(), spec.commandLine().getErr(), json, quiet,
                    !json && System.console() != null);
        }
        return console;
    }

    /** The invocation: its environment and cancel token. */
    private Cd4mlCommand root() {
        CommandLine top = spec.commandLine();
        while (top.getParent() != null) {
            top = top.getParent();
        }
        return (Cd4mlCommand) top.getCommand();
    }

    /** The environment of this invocation. */
    Map<String, String> environment() {
        return root().environment;
    }

    /**
     * The engine context of this invocation: its environment, this terminal for events, the token
     * Ctrl-C and SIGTERM cancel, and advice in the CLI's words.
     */
    EngineContext context() {
        Cd4mlCommand root = root();
        return EngineContext.builder().environment(root.environment).events(console()).cancel(root.cancel)
                .advice(Advice.CLI).build();
    }

    /** A loader for the chosen project and configuration file. */
    ConfigLoader loader(TrainingOptions training) {
        ConfigLoader loader = loader();
        if (training.backend != null) {
            loader.withBackend(training.backend);
        }
        if (training.image != null) {
            loader.withTrainImage(training.image);
        }
        return loader;
    }

    /** A loader for the chosen project and configuration file. */
    ConfigLoader loader() {
        ConfigLoader loader = ConfigLoader.forProject(project).withEnvironment(environment());
        if (config != null) {
            loader.withConfigFile(config);
        }
        return loader;
    }
}
