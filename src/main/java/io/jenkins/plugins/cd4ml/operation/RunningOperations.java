package io.jenkins.plugins.cd4ml.operation;

import io.jenkins.plugins.cd4ml.engine.CancelToken;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operations running in this JVM under the id their front end gave them
 * ({@link EngineOperation#withId}), so that a stop arriving as a separate call reaches the right
 * operation's {@link CancelToken}.
 *
 * <p>The Jenkins plugin needs this: its step runs an operation on an agent through one remote call,
 * and the build's abort arrives on that agent later as a second, independent remote call carrying
 * only the step's id ({@code RunningOperations.cancel(id)}). Two builds on one agent have two ids
 * and two tokens, so an abort stops only its own build's work.
 *
 * <pre>{@code
 * // agent, call 1 (blocks until the operation ends)
 * EngineOperation.named("train").withId(stepId).inProject(workspace).call();
 * // agent, call 2 (the build was aborted)
 * boolean found = RunningOperations.cancel(stepId); // call 1 returns status "stopped"
 * }</pre>
 */
public final class RunningOperations {

    private static final Map<String, CancelToken> RUNNING = new ConcurrentHashMap<>();

    private RunningOperations() {
    }

    /**
     * Cancels the operation running under {@code id}: the engine stops what it started and the
     * operation's {@link EngineOperation#call()} returns with status {@code stopped}.
     *
     * @return false if no operation runs under that id here (it has ended, not started yet, or runs
     *     in another JVM)
     */
    public static boolean cancel(String id) {
        CancelToken token = id == null ? null : RUNNING.get(id);
        if (token == null) {
            return false;
        }
        token.cancel();
        return true;
    }

    /** True while an operation runs under {@code id} in this JVM. */
    public static boolean isRunning(String id) {
        return id != null && RUNNING.containsKey(id);
    }

    /**
     * Makes {@code token} reachable under {@code id} until the registration is closed.
     *
     * @throws IllegalStateException if another operation already runs under {@code id} (ids are unique per call)
     */
    static CancelToken.Registration register(String id, CancelToken token) {
        Objects.requireNonNull(token, "token");
        if (RUNNING.putIfAbsent(Objects.requireNonNull(id, "id"), token) != null) {
            throw new IllegalStateException("an operation already runs under the id " + id);
        }
        return () -> RUNNING.remove(id, token);
    }
}
