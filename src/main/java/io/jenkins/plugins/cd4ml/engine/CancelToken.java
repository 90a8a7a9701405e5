package io.jenkins.plugins.cd4ml.engine;

import io.jenkins.plugins.cd4ml.OperationStoppedException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks an operation to stop: Ctrl-C or SIGTERM in the CLI, an abort in Jenkins.
 *
 * <pre>{@code
 * CancelToken cancel = new CancelToken();
 * executor.submit(() -> Trainer.forProject(config, EngineContext.builder().cancel(cancel).build()).call());
 * cancel.cancel(); // the training stops what it started, then throws OperationStoppedException
 * }</pre>
 *
 * <p>Any thread may cancel, any number of times; the first call runs every registered action once,
 * an action registered after that runs at once. Every engine operation binds the thread it runs on
 * ({@link #interruptOnCancel()}), so each backend stops its work the same way: the local process
 * is ended, the container removed, the Kubernetes Job deleted, the SageMaker training job stopped,
 * and the operation throws {@link OperationStoppedException}, which front ends report as
 * {@code stopped}.
 */
public final class CancelToken {

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final List<Runnable> actions = new CopyOnWriteArrayList<>();

    /** A token nobody has cancelled yet. */
    public CancelToken() {
    }

    /** A registration of an action; closing it forgets the action. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Asks everything registered to stop; idempotent and thread-safe. */
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            for (Runnable action : actions) {
                runQuietly(action);
            }
        }
    }

    /** True once {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelled.get();
    }

    /**
     * Throws if the token was cancelled.
     *
     * @param what what is stopped, for the message, such as {@code "training run iris-…"}
     * @throws OperationStoppedException if cancelled
     */
    public void throwIfCancelled(String what) {
        if (isCancelled()) {
            throw new OperationStoppedException(what);
        }
    }

    /** As {@link #throwIfCancelled(String)}, saying only that the operation was stopped. */
    public void throwIfCancelled() {
        throwIfCancelled("the operation, before it started");
    }

    /**
     * Runs {@code action} when the token is cancelled (at once if it already is), until the
     * returned registration is closed. Actions must not block for long: they run on the thread
     * that cancels.
     */
    public Registration onCancel(Runnable action) {
        actions.add(action);
        if (isCancelled() && actions.remove(action)) {
            runQuietly(action);
            return () -> { };
        }
        return () -> actions.remove(action);
    }

    /**
     * Interrupts the calling thread when the token is cancelled, until the registration is closed;
     * closing it after a cancel clears the thread's interrupt flag, so a pooled thread (a Jenkins
     * agent's) is not left interrupted. Engine operations call this on entry: every backend stops
     * what it started when its thread is interrupted.
     */
    public Registration interruptOnCancel() {
        Thread thread = Thread.currentThread();
        Registration registration = onCancel(thread::interrupt);
        return () -> {
            registration.close();
            if (isCancelled() && Thread.currentThread() == thread) {
                Thread.interrupted();
            }
        };
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            // one failing stop action must not keep the others from running
        }
    }
}
