package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.engine.CancelToken;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;

/**
 * Entry point of the {@code cd4ml} command.
 *
 * <p>The command runs with the process environment and one {@link CancelToken}. On Ctrl-C or
 * SIGTERM, a shutdown hook cancels the token and waits for the command: the engine then stops what
 * it started (processes, containers, remote jobs) and the command reports what it stopped before
 * the JVM exits.
 */
public final class Main {

    private static final long STOP_WAIT_SECONDS = 60;

    private Main() {
    }

    public static void main(String[] args) {
        Thread worker = Thread.currentThread();
        CancelToken cancel = new CancelToken();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (finished.get()) {
                return;
            }
            stopping.set(true);
            cancel.cancel();
            try {
                worker.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cd4ml-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int exitCode = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                System.getenv(), cancel);
        finished.set(true);
        if (!stopping.get()) {
            System.exit(exitCode); // while stopping, the JVM is already exiting (and exit() would block)
        }
    }

    /** Runs the command line with the process environment and returns its exit code; used by tests too. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, System.getenv(), new CancelToken());
    }

    /** Runs the command line with this environment and cancel token and returns its exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> environment,
            CancelToken cancel) {
        return commandLine(out, err, environment, cancel).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, System.getenv(), new CancelToken());
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> environment,
            CancelToken cancel) {
        CommandLine cli = new CommandLine(new Cd4mlCommand(environment, cancel));
        cli.setOut(out);
        cli.setErr(err);
        // everything after the command it reads is that command's, options included
        cli.getSubcommands().get("launcher-args").setStopAtPositional(true);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Object command = commandLine.getCommand();
            if (command instanceof HasCommonOptions withOptions) {
                CommonOptions common = withOptions.common();
                return ErrorReporter.report(ex, common.console(), common.stacktrace, commandLine.getCommandName());
            }
            return ErrorReporter.report(ex, new Console(out, err, false, false), true, commandLine.getCommandName());
        });
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            failed.getErr().println("error: " + ex.getMessage());
            failed.getErr().println("Run '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
            failed.getErr().flush();
            return ErrorReporter.BAD_INPUT;
        });
        return cli;
    }
}
