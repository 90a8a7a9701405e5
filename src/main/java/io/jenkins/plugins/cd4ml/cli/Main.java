package io.jenkins.plugins.cd4ml.cli;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;

/**
 * Entry point of the {@code cd4ml} command.
 *
 * <p>On Ctrl-C or SIGTERM, a shutdown hook interrupts the command's thread and waits for it: the
 * engine then stops what it started (processes, containers, remote jobs) and the command reports
 * what it stopped before the JVM exits.
 */
public final class Main {

    private static final long STOP_WAIT_SECONDS = 60;

    private Main() {
    }

    public static void main(String[] args) {
        Thread worker = Thread.currentThread();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (finished.get()) {
                return;
            }
            stopping.set(true);
            worker.interrupt();
            try {
                worker.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cd4ml-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int exitCode = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        finished.set(true);
        if (!stopping.get()) {
            System.exit(exitCode); // while stopping, the JVM is already exiting (and exit() would block)
        }
    }

    /** Runs the command line and returns its exit code; used by tests too. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Cd4mlCommand());
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
