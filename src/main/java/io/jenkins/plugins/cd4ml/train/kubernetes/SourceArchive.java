package io.jenkins.plugins.cd4ml.train.kubernetes;

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

/**
 * Packs the project directory into {@code source.tar.gz}, which the pod unpacks into
 * {@code /opt/ml/code} so that {@code train.py} and its modules run unchanged in any image (the
 * way SageMaker script mode ships a source directory). Leaves out version control, cd4ml's own
 * run directories, virtual environments and caches.
 */
final class SourceArchive {

    /** Directory names never shipped, at any depth. */
    static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", ".hg", ".svn", ".cd4ml", "__pycache__", ".venv",
            "venv", ".tox", ".mypy_cache", ".pytest_cache", ".ipynb_checkpoints", "node_modules", ".idea");

    /** What was packed. */
    record Packed(Path archive, int files, long bytes) {
    }

    private SourceArchive() {
    }

    static Packed write(Path projectDir, Path target) throws IOException {
        List<Path> files = files(projectDir);
        long bytes = 0;
        try (OutputStream out = Files.newOutputStream(target);
                GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path file : files) {
                TarArchiveEntry entry = new TarArchiveEntry(projectDir.relativize(file).toString().replace('\\', '/'));
                long size = Files.size(file);
                entry.setSize(size);
                entry.setMode(Files.isExecutable(file) ? 0755 : 0644);
                entry.setModTime(Files.getLastModifiedTime(file).toMillis());
                tar.putArchiveEntry(entry);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
                bytes += size;
            }
            tar.finish();
        }
        return new Packed(target, files.size(), bytes);
    }

    /** The regular files to ship, sorted; a symbolic link to a file ships its content. */
    static List<Path> files(Path projectDir) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(projectDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(projectDir) && SKIPPED_DIRECTORIES.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file) && !name.endsWith(".pyc")) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort((a, b) -> projectDir.relativize(a).toString().compareTo(projectDir.relativize(b).toString()));
        return files;
    }
}
