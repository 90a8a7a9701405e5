package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.Processes;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C and SIGTERM on a real cd4ml process stop the training script it started. */
class SignalStopTest {

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    @Test
    void sigintStopsTheTrainingScriptAndSaysWhatItStopped(@TempDir Path tmp) throws Exception {
        assertStopsOn("INT", tmp);
    }

    @Test
    void sigtermStopsTheTrainingScriptToo(@TempDir Path tmp) throws Exception {
        assertStopsOn("TERM", tmp);
    }

    private static void assertStopsOn(String signal, Path tmp) throws Exception {
        Path project = TestProjects.project(tmp.resolve("p"), sleeper(tmp), "");
        Path err = tmp.resolve("stderr.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process cd4ml = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "train", project.toString())
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long[] pids = waitForPids(tmp, cd4ml, err);

        new ProcessBuilder("kill", "-" + signal, String.valueOf(cd4ml.pid())).start().waitFor();

        assertThat(cd4ml.waitFor(60, TimeUnit.SECONDS)).as("cd4ml exited").isTrue();
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(stderr).contains("error: stopped: training process " + pids[0]);
        for (long pid : pids) {
            Processes.assertGone(pid);
        }
    }

    private static String sleeper(Path tmp) {
        return """
                import os, subprocess, time
                child = subprocess.Popen(["sleep", "300"])
                with open(%s, "w") as f:
                    f.write("%%d %%d" %% (os.getpid(), child.pid))
                time.sleep(300)
                """.formatted("'" + tmp.resolve("pids.txt") + "'");
    }

    private static long[] waitForPids(Path tmp, Process cd4ml, Path err) throws Exception {
        Path file = tmp.resolve("pids.txt");
        for (int i = 0; i < 600 && (!Files.exists(file) || Files.readString(file).isBlank()); i++) {
            if (!cd4ml.isAlive()) {
                assertThat(cd4ml.isAlive()).as("cd4ml ended (exit %d) before the script started:%n%s",
                        cd4ml.exitValue(), Files.readString(err, StandardCharsets.UTF_8)).isTrue();
            }
            Thread.sleep(100);
        }
        List<String> parts = List.of(Files.readString(file).strip().split(" "));
        return new long[] {Long.parseLong(parts.get(0)), Long.parseLong(parts.get(1))};
    }

}
