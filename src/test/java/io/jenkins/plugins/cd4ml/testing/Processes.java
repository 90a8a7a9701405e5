package io.jenkins.plugins.cd4ml.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks on operating-system processes, counting a zombie (dead, not yet reaped) as gone. */
public final class Processes {

    private Processes() {
    }

    public static boolean isRunning(long pid) {
        Path stat = Path.of("/proc/" + pid + "/stat");
        try {
            String text = Files.readString(stat);
            return !text.substring(text.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits up to ten seconds for a process to end, then fails if it still runs. */
    public static void assertGone(long pid) throws InterruptedException {
        for (int i = 0; i < 100 && isRunning(pid); i++) {
            Thread.sleep(100);
        }
        assertThat(isRunning(pid)).as("process %d is still running", pid).isFalse();
    }
}
