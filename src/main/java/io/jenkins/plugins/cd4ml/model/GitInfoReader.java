package io.jenkins.plugins.cd4ml.model;

import io.jenkins.plugins.cd4ml.Git;
import java.nio.file.Path;
import java.util.Optional;

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
        return Git.output(directory, args).map(String::strip);
    }
}
