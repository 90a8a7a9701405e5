package io.jenkins.plugins.cd4ml.train.local;

import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.ProcessExit;
import io.jenkins.plugins.cd4ml.PythonInterpreter;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.BackendRun;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the training script as a child process on this machine, with the run directory standing
 * in for {@code /opt/ml} and the project directory as working directory.
 */
public final class LocalTrainingBackend implements TrainingBackend {

    private static final long STOP_GRACE_SECONDS = 10;

    private final String python;
    private final Map<String, String> environment;

    /**
     * @param python the interpreter that replaces {@code python}/{@code python3} in the command
     * @param environment the environment the script inherits (the {@code SM_*} variables are added)
     */
    public LocalTrainingBackend(String python, Map<String, String> environment) {
        this.python = python;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public BackendRun run(TrainingJob job, EventSink events) {
        List<String> command = new ArrayList<>(job.command());
        if (PythonInterpreter.isPythonWord(command.get(0))) {
            command.set(0, python);
        }
        RunDirectory dir = job.directory();
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(job.project().directory().toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.environment().putAll(RunDirectory.environment(dir.root().toString(),
                job.project().directory().toString(), job, Runtime.getRuntime().availableProcessors(), 0));
        builder.environment().put("CD4ML_RUN_ID", job.runId());
        if (TrainingRequirements.runsPython(command)) {
            recordVersions(builder, dir, events);
        }

        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new TrainingFailedException("cannot start " + String.join(" ", command) + ": " + e.getMessage(),
                    "install Python 3 or point CD4ML_PYTHON (or train.python) at an interpreter with your "
                            + "training dependencies");
        }
        String jobId = "pid-" + process.pid();
        events.info("started " + String.join(" ", command) + " (process " + process.pid() + ")");
        Thread pump = new Thread(() -> pump(process, events), "cd4ml-train-output-" + process.pid());
        pump.setDaemon(true);
        pump.start();
        try {
            boolean finished = process.waitFor(job.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                stop(process);
                pump.join(TimeUnit.SECONDS.toMillis(STOP_GRACE_SECONDS));
                throw new TrainingFailedException("training exceeded train.timeout ("
                        + Durations.format(job.timeout()) + ") and was stopped", "raise train.timeout or make "
                        + "the script faster");
            }
            pump.join();
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("training process " + process.pid() + " (" + String.join(" ", command)
                    + ") was terminated");
        }
        int exit = process.exitValue();
        String failure = readFailure(dir);
        if (exit != 0 || failure != null) {
            throw new TrainingFailedException("training failed" + (exit != 0 ? " with exit code " + exit : "")
                    + (failure != null ? ": " + failure : ""), null);
        }
        return new BackendRun(jobId, Map.of(), dir.logFile().toString());
    }

    /**
     * Records the interpreter's library versions for {@code model.json}, as the container backends
     * do before their command; a failure is not the training's (the model just lacks them).
     */
    private void recordVersions(ProcessBuilder training, RunDirectory dir, EventSink events) {
        ProcessBuilder builder = new ProcessBuilder(TrainingRequirements.recordingCommand(python, dir.outputDataDir()))
                .directory(training.directory())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(training.environment());
        try {
            Process process = builder.start();
            pump(process, events); // a few metadata look-ups: it ends (and closes its output) at once
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new OperationStoppedException("training run " + dir.root().getFileName() + ", before it started");
            }
        } catch (IOException e) {
            events.warn("could not record the library versions of " + python + ": " + e.getMessage());
        }
    }

    private static String readFailure(RunDirectory dir) {
        try {
            return dir.failure().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pump(Process process, EventSink events) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                events.accept(new Event.LogLine(TrainingBackend.LOG_SOURCE, line));
            }
        } catch (IOException e) {
            // the stream closes when the process is killed; nothing more to read
        }
    }

    /**
     * Terminates the script and everything it started: SIGTERM first, SIGKILL after a grace period,
     * and returns only once they are gone (a SIGKILL is delivered asynchronously), so a caller that
     * reports the run stopped never leaves a process behind.
     */
    private static void stop(Process process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_GRACE_SECONDS);
        for (ProcessHandle handle : tree) {
            interrupted |= ProcessExit.await(handle, deadline - System.nanoTime());
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            interrupted |= ProcessExit.await(handle, TimeUnit.SECONDS.toNanos(STOP_GRACE_SECONDS));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
