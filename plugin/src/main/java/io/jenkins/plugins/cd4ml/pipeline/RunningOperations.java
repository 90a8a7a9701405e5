package io.jenkins.plugins.cd4ml.pipeline;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operations running in this JVM (an agent's, or the controller's for its built-in node), by
 * step execution id, so that an abort arriving later as a separate remote call
 * ({@link AgentCancel}) reaches the right operation and stops it.
 *
 * <p>Both calls are loaded on the agent by the same remote class loader (the plugin's), so they
 * see the same map.
 */
final class RunningOperations {

    private static final Map<String, Runnable> RUNNING = new ConcurrentHashMap<>();

    private RunningOperations() {
    }

    static void register(String operationId, Runnable stop) {
        RUNNING.put(operationId, stop);
    }

    static void remove(String operationId) {
        RUNNING.remove(operationId);
    }

    /** Cancels the operation; false if none with that id runs here (it ended, or never started). */
    static boolean cancel(String operationId) {
        Runnable stop = RUNNING.get(operationId);
        if (stop == null) {
            return false;
        }
        stop.run();
        return true;
    }
}
