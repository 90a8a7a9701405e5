package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Git;
import io.jenkins.plugins.cd4ml.ReproducibleTar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The project's code as a {@code .tar.gz} that remote backends unpack into {@code /opt/ml/code}
 * (SageMaker's {@code sourcedir.tar.gz}, the Kubernetes pod's {@code source.tar.gz}), so
 * {@code train.py} and its modules run unchanged in any image.
 *
 * <p>Everything in the project goes in except cd4ml's own state ({@code .cd4ml/}), version
 * control, virtual environments, caches, Python byte code and dotenv files ({@code .env},
 * {@code .env.*}: credentials belong in the environment, not in an archive on S3). In a Git work
 * tree, what Git ignores ({@code .gitignore}, {@code .git/info/exclude}: raw data, checkpoints,
 * experiment logs) stays behind too; the rest, tracked or not yet added, goes in. The archive is
 * reproducible: sorted entries, fixed times and owners, so unchanged code gives identical bytes.
 */
public final class SourceArchive {

    /** Directory names never packed, wherever they appear. */
    static final Set<String> EXCLUDED_DIRECTORIES = Set.of(".git", ".hg", ".svn", ".cd4ml", "__pycache__", ".venv",
            "venv", ".tox", ".mypy_cache", ".pytest_cache", ".ipynb_checkpoints", "node_modules", ".idea");

    /**
     * What was packed.
     *
     * @param files the packed paths, relative to the project
     * @param bytes the size of the archive
     */
    public record Packed(Path archive, List<String> files, long bytes) {
    }

    private SourceArchive() {
    }

    /** Packs the project directory into {@code target}. */
    public static Packed write(Path projectDir, Path target) throws IOException {
        return write(projectDir, target, Map.of());
    }

    /**
     * Packs the project directory into {@code target}, plus {@code added} files (name at the
     * archive's root to UTF-8 text) that cd4ml runs next to the code; an added file replaces a
     * project file of the same name.
     */
    public static Packed write(Path projectDir, Path target, Map<String, String> added) throws IOException {
        Path root = projectDir.toAbsolutePath().normalize();
        List<Path> files = files(root);
        List<String> names = new ArrayList<>();
        Files.createDirectories(target.getParent());
        try (TarArchiveOutputStream tar = ReproducibleTar.create(target)) {
            for (Path f : files) {
                String name = root.relativize(f).toString().replace('\\', '/');
                if (added.containsKey(name)) {
                    continue;
                }
                tar.putArchiveEntry(ReproducibleTar.entry(name, Files.size(f), Files.isExecutable(f)));
                Files.copy(f, tar);
                tar.closeArchiveEntry();
                names.add(name);
            }
            for (Map.Entry<String, String> extra : new TreeMap<>(added).entrySet()) {
                byte[] content = extra.getValue().getBytes(StandardCharsets.UTF_8);
                tar.putArchiveEntry(ReproducibleTar.entry(extra.getKey(), content.length, false));
                tar.write(content);
                tar.closeArchiveEntry();
                names.add(extra.getKey());
            }
            tar.finish();
        }
        return new Packed(target, List.copyOf(names), Files.size(target));
    }

    /** The regular files to pack, sorted; a symbolic link to a file packs its content. */
    static List<Path> files(Path root) throws IOException {
        Optional<Set<String>> notIgnored = notIgnoredByGit(root);
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(root) && EXCLUDED_DIRECTORIES.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                // symbolic links to files are packed as the file they point to
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file) && !name.endsWith(".pyc") && !name.equals(".env")
                        && !name.startsWith(".env.") && notIgnored.map(set -> visible(set, root.relativize(file)))
                                .orElse(true)) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort((a, b) -> root.relativize(a).toString().compareTo(root.relativize(b).toString()));
        return files;
    }

    /**
     * The paths below {@code root} that Git does not ignore (tracked, or untracked and not
     * ignored), relative to it; empty where Git cannot tell (no work tree, no git) or ignores the
     * whole project (a home directory kept in Git with {@code *} ignored, say).
     */
    private static Optional<Set<String>> notIgnoredByGit(Path root) {
        return Git.output(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .map(out -> Arrays.stream(out.split("\0")).filter(p -> !p.isEmpty())
                        .collect(Collectors.toUnmodifiableSet()))
                .filter(paths -> !paths.isEmpty());
    }

    /** Whether Git lists {@code relative} or a directory holding it (a submodule lists as its directory). */
    private static boolean visible(Set<String> notIgnored, Path relative) {
        for (Path p = relative; p != null; p = p.getParent()) {
            if (notIgnored.contains(p.toString().replace('\\', '/'))) {
                return true;
            }
        }
        return false;
    }
}
