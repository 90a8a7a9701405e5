package io.jenkins.plugins.cd4ml.train.sagemaker;

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
 * The project's code as {@code sourcedir.tar.gz}, the archive the SageMaker training toolkit
 * unpacks into {@code /opt/ml/code} before it runs {@code sagemaker_program}.
 *
 * <p>Everything in the project goes in except cd4ml's own state ({@code .cd4ml/}), version
 * control ({@code .git/}) and Python byte code. The archive is reproducible: sorted entries,
 * fixed times and owners, so unchanged code gives identical bytes.
 */
final class SourceArchive {

    /** Directory names never packed, wherever they appear. */
    static final Set<String> EXCLUDED_DIRECTORIES = Set.of(".cd4ml", ".git", "__pycache__");

    /** What was packed. */
    record Packed(Path archive, List<String> files, long bytes) {
    }

    private SourceArchive() {
    }

    static Packed write(Path projectDir, Path target) throws IOException {
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

    private static List<Path> files(Path root) throws IOException {
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
