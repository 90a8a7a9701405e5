package io.jenkins.plugins.cd4ml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@code git} command, for what cd4ml reads of a project's repository. Git is optional: where
 * it is not installed, the directory is no work tree, git refuses it (another user's checkout
 * without {@code safe.directory}) or does not answer in time, there is simply no answer.
 */
public final class Git {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Git() {
    }

    /** What {@code git -C directory args…} printed on stdout, if it succeeded. */
    public static Optional<String> output(Path directory, String... args) {
        return output("git", TIMEOUT, directory, args);
    }

    /** {@link #output(Path, String...)} with another git program and time limit (for tests). */
    static Optional<String> output(String program, Duration timeout, Path directory, String... args) {
        List<String> command = new ArrayList<>(List.of(program, "-C", directory.toString()));
        command.addAll(List.of(args));
        Path out = null;
        try {
            // into a file, not a pipe: the wait below is then bounded whatever git prints, or fails to
            out = Files.createTempFile("cd4ml-git", ".out");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(Files.readString(out, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // git is not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            TemporaryDirectory.deleteQuietly(out);
        }
    }
}
