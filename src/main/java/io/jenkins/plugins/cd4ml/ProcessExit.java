package io.jenkins.plugins.cd4ml;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waiting for a process the engine stopped. A cancel interrupts the stopping thread once per
 * registration (the front end's and the operation's), so an interrupt during the wait is the same
 * stop arriving again: it must not end the wait, or the caller would report "stopped" (or send
 * SIGKILL into a drain) while the process still runs.
 */
public final class ProcessExit {

    private ProcessExit() {
    }

    /**
     * Waits up to {@code nanos} for {@code handle} to exit, through interrupts.
     *
     * @return true if an interrupt arrived meanwhile (the caller restores the thread's flag)
     */
    public static boolean await(ProcessHandle handle, long nanos) {
        long deadline = System.nanoTime() + Math.max(0, nanos);
        boolean interrupted = false;
        while (true) {
            try {
                handle.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException e) {
                return interrupted; // a process that will not end within the time is beyond our reach
            }
        }
    }
}
