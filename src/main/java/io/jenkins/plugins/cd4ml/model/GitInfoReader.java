package io.jenkins.plugins.cd4ml.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Reads the commit a project directory is at, with the {@code git} command if it is installed. */
public final class GitInfoReader {

    private GitInfoReader() {
    }

    /** The commit of the repository containing {@code directory}, or empty outside a repository. */
    public static Optional<ModelManifest.GitInfo> read(Path directory) {
        Optional<String> commit = git(directory, "rev-parse", "HEAD");
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        boolean dirty = git(directory, "status", "--porcelain", "--untracked-files=no", "--", ".")
                .map(s -> !s.isBlank()).orElse(false);
        String full = commit.get();
        return Optional.of(new ModelManifest.GitInfo(full, full.substring(0, Math.min(7, full.length())), dirty));
    }

    private static Optional<String> git(Path directory, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", directory.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // git not installed: the manifest simply has no commit
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
