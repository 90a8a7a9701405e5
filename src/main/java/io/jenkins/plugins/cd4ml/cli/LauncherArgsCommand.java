package io.jenkins.plugins.cd4ml.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cd4ml launcher-args COMMAND ARGS...} (hidden): how the CLI itself reads a command line,
 * for {@code bin/cd4ml}, which must know the project, configuration and backend before it prepares
 * the Python that trains. Prints three lines — PROJECT, the {@code --config} value and the
 * {@code --backend} value (empty where not given) — and exits 0; exits 1 for a help or version
 * request and 2 when the command line does not parse (the real run then explains it).
 */
@Command(name = "launcher-args", hidden = true, description = "How the CLI reads a command line (for bin/cd4ml).")
final class LauncherArgsCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "ARGS")
    List<String> args;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter quiet = new PrintWriter(new StringWriter());
        CommandLine cd4ml = Main.commandLine(quiet, quiet);
        if (!cd4ml.getSubcommands().containsKey(args.get(0))) {
            return ErrorReporter.BAD_INPUT;
        }
        ParseResult parsed;
        try {
            parsed = cd4ml.parseArgs(args.toArray(String[]::new)).subcommand();
        } catch (ParameterException e) {
            return ErrorReporter.BAD_INPUT;
        }
        if (parsed == null || parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            return 1;
        }
        PositionalParamSpec project = parsed.matchedPositional(0);
        PrintWriter out = spec.commandLine().getOut();
        out.println(project == null ? "." : project.stringValues().get(0));
        out.println(matched(parsed, "--config"));
        out.println(matched(parsed, "--backend"));
        out.flush();
        return 0;
    }

    private static String matched(ParseResult parsed, String name) {
        OptionSpec option = parsed.matchedOption(name);
        return option == null || option.stringValues().isEmpty() ? ""
                : option.stringValues().get(option.stringValues().size() - 1);
    }
}
