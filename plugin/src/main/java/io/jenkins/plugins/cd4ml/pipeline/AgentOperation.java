package io.jenkins.plugins.cd4ml.pipeline;

import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.image.SecretRedactor;
import io.jenkins.plugins.cd4ml.operation.EngineOperation;
import io.jenkins.plugins.cd4ml.operation.OperationOutcome;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import jenkins.MasterToSlaveFileCallable;

/**
 * Runs one engine operation in the agent's JVM, in the project directory this callable is
 * invoked on, streaming events to the build log.
 *
 * <p>The engine works on a thread of its own while this one waits, so that a stop reaches the
 * operation's {@link CancelToken} from either side: {@link AgentCancel} (the build was aborted,
 * by the step's id through {@code operation.RunningOperations}), or an interrupt
 * of this thread, which Remoting delivers when the controller stops waiting or the channel to the
 * controller closes. Either way the engine stops what it started and this callable waits (up to
 * {@link #STOP_GRACE_MINUTES}) for it to finish doing so, so nothing is left running.
 */
final class AgentOperation extends MasterToSlaveFileCallable<AgentResult> {

    private static final long serialVersionUID = 1L;

    /** How long a stopping operation may take to stop what it started (a SageMaker job takes minutes). */
    static final long STOP_GRACE_MINUTES = 10;

    private final String operationId;
    private final StepRequest request;
    private final HashMap<String, String> environment;
    private final SecretEnvironment secrets;
    private final TaskListener listener;

    AgentOperation(String operationId, StepRequest request, Map<String, String> environment, SecretEnvironment secrets,
            TaskListener listener) {
        this.operationId = operationId;
        this.request = request;
        this.environment = new HashMap<>(environment);
        this.secrets = secrets;
        this.listener = listener;
    }

    @Override
    public AgentResult invoke(File project, VirtualChannel channel) throws IOException, InterruptedException {
        PrintStream log = listener.getLogger();
        Map<String, String> env = new HashMap<>(environment);
        env.putAll(secrets.variables());
        Path privateDir = null;
        try {
            byte[] kubeconfig = secrets.kubeconfig();
            if (kubeconfig != null) {
                privateDir = privateDirectory();
                Path file = Files.write(privateDir.resolve("kubeconfig"), kubeconfig);
                env.put("KUBECONFIG", file.toString());
            }
            SecretRedactor redactor = SecretRedactor.of(secrets.values(), env);
            // the engine stops what it started (process, container, Job, SageMaker job) when this token
            // is cancelled, and reports the operation as stopped; AgentCancel reaches it by the step's id
            CancelToken token = new CancelToken();
            EngineOperation operation = EngineOperation.named(request.operation).withId(operationId)
                    .inProject(project.toPath()).withConfigFile(request.config).withOptions(request.options)
                    .withEnvironment(env).withCancel(token).withOutput(new LogLines(log, redactor));
            FutureTask<OperationOutcome> work = new FutureTask<>(operation::call);
            Thread worker = new Thread(work, "cd4ml " + request.operation + " " + operationId);
            worker.setDaemon(true);
            // the engine finds its resources and service providers through the plugin's class loader
            worker.setContextClassLoader(AgentOperation.class.getClassLoader());
            worker.start();
            return AgentResult.of(await(work, token::cancel, log), redactor);
        } finally {
            if (privateDir != null) {
                deleteQuietly(privateDir);
            }
        }
    }

    /** A new temporary directory only this user can read ({@code rwx------}; on Windows, the user's temp). */
    private static Path privateDirectory() throws IOException {
        try {
            return Files.createTempDirectory("cd4ml-credentials-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException notPosix) {
            return Files.createTempDirectory("cd4ml-credentials-");
        }
    }

    /**
     * Waits for the engine; an interrupt cancels it, and the wait goes on while it stops. The
     * interrupt is consumed here (not set again): Remoting must still be able to send the result.
     */
    private OperationOutcome await(FutureTask<OperationOutcome> work, Runnable stop, PrintStream log)
            throws IOException, InterruptedException {
        boolean stopping = false;
        while (true) {
            try {
                return stopping ? work.get(STOP_GRACE_MINUTES, TimeUnit.MINUTES) : work.get();
            } catch (InterruptedException e) {
                if (stopping) {
                    throw e;
                }
                stopping = true;
                log.println(Messages.Cd4mlStep_Stopping(request.operation));
                stop.run();
            } catch (TimeoutException e) {
                throw new InterruptedException(Messages.Cd4mlStep_StopTimedOut(request.operation, STOP_GRACE_MINUTES));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IOException(cause);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a kubeconfig left in a private temporary directory; the next tmp cleaning removes it
        }
    }
}
