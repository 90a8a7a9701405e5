package io.jenkins.plugins.cd4ml.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * The project's code as a {@code .tar.gz} that remote backends unpack into {@code /opt/ml/code}
 * (SageMaker's {@code sourcedir.tar.gz}, the Kubernetes pod's {@code source.tar.gz}), so
 * {@code train.py} and its modules run unchanged in any image.
 *
 * <p>Everything in the project goes in except cd4ml's own state ({@code .cd4ml/}), version
 * control, virtual environments, caches and Python byte code. The archive is reproducible:
 * sorted entries, fixed times and owners, so unchanged code gives identical bytes.
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
        Path root = projectDir.toAbsolutePath().normalize();
        List<Path> files = files(root);
        List<String> names = new ArrayList<>();
        GzipParameters gzip = new GzipParameters();
        gzip.setModificationTime(0);
        Files.createDirectories(target.getParent());
        try (OutputStream file = Files.newOutputStream(target);
                GzipCompressorOutputStream gz = new GzipCompressorOutputStream(file, gzip);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path f : files) {
                String name = root.relativize(f).toString().replace('\\', '/');
                TarArchiveEntry entry = new TarArchiveEntry(name);
                entry.setSize(Files.size(f));
                entry.setMode(Files.isExecutable(f) ? 0755 : 0644);
                entry.setModTime(0);
                entry.setUserId(0);
                entry.setGroupId(0);
                entry.setUserName("");
                entry.setGroupName("");
                tar.putArchiveEntry(entry);
                Files.copy(f, tar);
                tar.closeArchiveEntry();
                names.add(name);
            }
            tar.finish();
        }
        return new Packed(target, List.copyOf(names), Files.size(target));
    }

    /** The regular files to pack, sorted; a symbolic link to a file packs its content. */
    static List<Path> files(Path root) throws IOException {
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
                if (Files.isRegularFile(file) && !file.getFileName().toString().endsWith(".pyc")) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort((a, b) -> root.relativize(a).toString().compareTo(root.relativize(b).toString()));
        return files;
    }
}
