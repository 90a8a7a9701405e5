package io.jenkins.plugins.cd4ml.ansible;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs Ansible's own commands (Debian packages ansible, ansible-lint) in the repository's ansible/ directory. */
final class AnsibleCommand {

    static final Path DIR = TestProjects.repository().resolve("ansible");

    /** Exit status and merged output of one command. */
    record Outcome(int status, String output) {
    }

    private AnsibleCommand() {
    }

    /** Fails with how to install it when {@code tool} is not on PATH. */
    static void require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        fail(tool + " is not installed; run scripts/setup-env (or: apt-get install ansible ansible-lint)");
    }

    static Outcome run(Map<String, String> env, long timeoutMinutes, String... command) {
        require(command[0]);
        try {
            Path log = Files.createTempFile("cd4ml-ansible-", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                builder.environment().put("ANSIBLE_NOCOLOR", "1");
                builder.environment().put("ANSIBLE_FORCE_COLOR", "0");
                builder.environment().put("NO_COLOR", "1");
                builder.environment().put("ANSIBLE_STDOUT_CALLBACK", "default");
                builder.environment().putAll(env);
                Process p = builder.start();
                if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    fail(String.join(" ", command) + " did not finish in " + timeoutMinutes + " min:\n"
                            + Files.readString(log));
                }
                return new Outcome(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return fail("cannot run " + command[0] + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /** Runs and asserts success, returning the output. */
    static String succeed(Map<String, String> env, long timeoutMinutes, String... command) {
        Outcome outcome = run(env, timeoutMinutes, command);
        assertThat(outcome.status()).as(String.join(" ", command) + " output:\n" + outcome.output()).isZero();
        return outcome.output();
    }

    static List<String> args(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
