package io.jenkins.plugins.cd4ml.pipeline;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.DaemonThreadFactory;
import hudson.util.NamingThreadFactory;
import io.jenkins.plugins.cd4ml.report.RunReport;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jenkins.util.BuildListenerAdapter;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * Runs a {@link Cd4mlStep}: asynchronously (the work takes minutes to hours), on a thread of this
 * plugin's pool, so the Pipeline's CPS thread never blocks (workflow-step-api README, "Creating an
 * asynchronous step").
 *
 * <p>The first {@link #stop} asks the agent to cancel the operation ({@link AgentCancel}) and lets
 * the running call come back {@code stopped} once the engine has stopped what it started; the step
 * then fails with the abort's cause. A second stop (the user insists) stops waiting: it interrupts
 * the call, which Remoting turns into an interrupt on the agent, where it cancels the operation too.
 */
final class Cd4mlStepExecution extends StepExecution {

    private static final long serialVersionUID = 1L;

    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(
            new NamingThreadFactory(new DaemonThreadFactory(), "cd4ml step"));

    private final String operationId = UUID.randomUUID().toString();
    private final StepRequest request;
    @SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED",
            justification = "the running call of this JVM; after a restart onResume fails the step")
    private transient volatile Future<?> task;
    @SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED",
            justification = "an abort of this JVM's run; after a restart onResume fails the step")
    private transient volatile Throwable stopCause;
    @SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED",
            justification = "completion of this JVM's run; after a restart onResume completes the step once")
    private transient boolean completed;

    Cd4mlStepExecution(Cd4mlStep step, StepContext context) {
        super(context);
        this.request = new StepRequest(step);
    }

    @Override
    public boolean start() {
        task = WORKERS.submit(this::run);
        return false;
    }

    private void run() {
        StepContext context = getContext();
        try {
            Run<?, ?> run = required(context.get(Run.class), Run.class);
            TaskListener listener = required(context.get(TaskListener.class), TaskListener.class);
            FilePath workspace = required(context.get(FilePath.class), FilePath.class);
            EnvVars environment = required(context.get(EnvVars.class), EnvVars.class);
            Launcher launcher = required(context.get(Launcher.class), Launcher.class);
            FilePath project = request.dir == null ? workspace : workspace.child(request.dir);

            SecretEnvironment secrets = StepCredentials.resolve(request, run);
            listener.getLogger().println(Messages.Cd4mlStep_Running(request.operation, project.getRemote()));
            AgentResult result = project.act(new AgentOperation(operationId, request, environment, secrets, listener));

            String reportArtifact = request.archiveReport ? archiveReport(run, project, launcher, listener, result) : null;
            Cd4mlAction.record(run, new Cd4mlAction.Record(result, reportArtifact));
            Throwable stopped = stopCause;
            if (stopped != null) {
                fail(stopped);
            } else if (!result.succeeded() && request.failOnError) {
                fail(new AbortException(Messages.Cd4mlStep_Failed(request.operation, result.message)));
            } else if (markCompleted()) {
                context.onSuccess(request.json ? result.json : result.documentCopy());
            }
        } catch (Throwable t) {
            Throwable stopped = stopCause;
            if (stopped != null) {
                stopped.addSuppressed(t);
                fail(stopped);
            } else {
                fail(t);
            }
        }
    }

    /** True the first time only: the step is completed once, whichever of its run and a stop gets there first. */
    private synchronized boolean markCompleted() {
        if (completed) {
            return false;
        }
        completed = true;
        return true;
    }

    private void fail(Throwable cause) {
        if (markCompleted()) {
            getContext().onFailure(cause);
        }
    }

    /**
     * Archives the report the operation wrote, if any, as {@code cd4ml/<operation>/report.html},
     * with the stylesheet beside it.
     */
    private static String archiveReport(Run<?, ?> run, FilePath project, Launcher launcher, TaskListener listener,
            AgentResult result) throws IOException, InterruptedException {
        if (result.report == null) {
            return null;
        }
        FilePath report = project.child(result.report);
        FilePath parent = report.getParent();
        if (parent == null || !report.exists()) {
            listener.getLogger().println(Messages.Cd4mlStep_ReportMissing(result.report));
            return null;
        }
        String folder = "cd4ml/" + result.operation + "/";
        Map<String, String> files = new LinkedHashMap<>();
        files.put(folder + report.getName(), report.getName());
        // the report reads its stylesheet from beside it: Jenkins serves artifacts under a CSP
        // without inline styles (style-src 'self'), so report.css must be archived with it
        if (parent.child(RunReport.STYLESHEET).exists()) {
            files.put(folder + RunReport.STYLESHEET, RunReport.STYLESHEET);
        }
        run.pickArtifactManager().archive(parent, launcher, BuildListenerAdapter.wrap(listener), files);
        return folder + report.getName();
    }

    private static <T> T required(T value, Class<T> type) throws AbortException {
        if (value == null) {
            throw new AbortException(Messages.Cd4mlStep_MissingContext(type.getSimpleName()));
        }
        return value;
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        boolean first = stopCause == null;
        stopCause = cause;
        if (first) {
            // execute, not submit: nothing waits for this call, so no Future is dropped
            WORKERS.execute(() -> cancelOnAgent(cause));
        } else {
            interruptCall(cause);
        }
    }

    private void cancelOnAgent(Throwable cause) {
        try {
            TaskListener listener = getContext().get(TaskListener.class);
            if (listener != null) {
                listener.getLogger().println(Messages.Cd4mlStep_Stopping(request.operation));
            }
            FilePath workspace = getContext().get(FilePath.class);
            boolean running = workspace != null && Boolean.TRUE.equals(workspace.act(new AgentCancel(operationId)));
            if (!running) {
                interruptCall(cause);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            cause.addSuppressed(e);
            interruptCall(cause);
        }
    }

    private void interruptCall(Throwable cause) {
        Future<?> running = task;
        if (running != null) {
            running.cancel(true);
        }
        fail(cause);
    }

    @Override
    public void onResume() {
        fail(new AbortException(Messages.Cd4mlStep_NoResume(request.operation)));
    }

    @Override
    public String getStatus() {
        Future<?> running = task;
        return running == null || running.isDone() ? "not running" : "running " + request + " (" + operationId + ")";
    }

    @Override
    public boolean blocksRestart() {
        Future<?> running = task;
        return running != null && !running.isDone();
    }
}
