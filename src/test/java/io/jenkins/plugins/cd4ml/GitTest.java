package io.jenkins.plugins.cd4ml;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every git call of the engine is bounded in time, so a hanging git never hangs a build. */
class GitTest {

    private static final Pattern DIRECT_GIT = Pattern.compile("ProcessBuilder\\(\\s*(List\\.of\\()?\"git\"");

    private static Path script(Path dir, String body) throws IOException {
        Path git = dir.resolve("git");
        Files.writeString(git, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(git, PosixFilePermissions.fromString("rwxr-xr-x"));
        return git;
    }

    @Test
    @Timeout(120)
    void aGitThatDoesNotAnswerGivesNoAnswerInsteadOfHanging(@TempDir Path tmp) throws IOException {
        Path git = script(tmp, "exec sleep 600");

        assertThat(Git.output(git.toString(), Duration.ofSeconds(1), tmp, "rev-parse", "HEAD")).isEmpty();
    }

    @Test
    void aGitThatAnswersInTimeGivesItsOutput(@TempDir Path tmp) throws IOException {
        Path git = script(tmp, "echo \"$@\"");

        assertThat(Git.output(git.toString(), Duration.ofSeconds(30), tmp, "rev-parse", "HEAD"))
                .contains("-C " + tmp + " rev-parse HEAD\n");
    }

    @Test
    void everyGitProcessOfTheEngineGoesThroughGit() throws IOException {
        Path sources = Path.of("src/main/java");
        List<String> direct;
        try (Stream<Path> files = Files.walk(sources)) {
            direct = files.filter(f -> f.toString().endsWith(".java") && !f.endsWith(Path.of("cd4ml/Git.java")))
                    .filter(f -> {
                        try {
                            return DIRECT_GIT.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString)
                    .toList();
        }
        assertThat(direct).as("files that start git without Git's time limit").isEmpty();
    }
}
