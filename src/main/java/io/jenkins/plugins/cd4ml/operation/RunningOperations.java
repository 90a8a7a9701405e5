package io.jenkins.plugins.cd4ml.operation;

import io.jenkins.plugins.cd4ml.engine.CancelToken;
import java.util.LinkedHashMap;
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
 *
 * <p>The two calls race: an abort can reach the agent before the operation it stops has
 * registered (the build was aborted while call 1 was still on its way). Such a cancel is
 * remembered, so the operation that later registers under that id starts cancelled and reports
 * {@code stopped} before doing anything. Ids are unique per call, and only the most recent
 * {@value #REMEMBERED_CANCELS} early cancels are kept, so the memory stays small.
 */
public final class RunningOperations {

    static final int REMEMBERED_CANCELS = 256;

    private static final Map<String, CancelToken> RUNNING = new ConcurrentHashMap<>();

    /** Ids cancelled while nothing ran under them, oldest first; guarded by {@code RUNNING_LOCK}. */
    private static final Map<String, Boolean> CANCELLED_EARLY = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_CANCELS;
        }
    };

    private static final Object RUNNING_LOCK = new Object();

    private RunningOperations() {
    }

    /**
     * Cancels the operation running under {@code id}: the engine stops what it started and the
     * operation's {@link EngineOperation#call()} returns with status {@code stopped}.
     *
     * @return false if no operation runs under that id here (it has ended, not started yet, or runs
     *     in another JVM); one that registers under it later starts cancelled
     */
    public static boolean cancel(String id) {
        if (id == null) {
            return false;
        }
        CancelToken token;
        synchronized (RUNNING_LOCK) {
            token = RUNNING.get(id);
            if (token == null) {
                CANCELLED_EARLY.put(id, Boolean.TRUE); // an operation that registers later starts cancelled
                return false;
            }
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
        boolean cancelledEarly;
        synchronized (RUNNING_LOCK) {
            if (RUNNING.putIfAbsent(Objects.requireNonNull(id, "id"), token) != null) {
                throw new IllegalStateException("an operation already runs under the id " + id);
            }
            cancelledEarly = CANCELLED_EARLY.remove(id) != null;
        }
        if (cancelledEarly) {
            token.cancel();
        }
        return () -> RUNNING.remove(id, token);
    }
}
