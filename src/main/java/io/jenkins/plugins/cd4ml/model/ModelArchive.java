package io.jenkins.plugins.cd4ml.model;

import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * The {@code model.tar.gz} artifact: the model directory's files plus {@code model.json}, in the
 * layout SageMaker uses for model artifacts. Archives are reproducible: sorted entries, fixed
 * times and owners.
 */
public final class ModelArchive {

    private ModelArchive() {
    }

    /** Writes {@code modelDir}'s files and the manifest into {@code target}. */
    public static void write(Path modelDir, ModelManifest manifest, Path target) throws IOException {
        GzipParameters gzip = new GzipParameters();
        gzip.setModificationTime(0);
        try (OutputStream file = Files.newOutputStream(target);
                GzipCompressorOutputStream gz = new GzipCompressorOutputStream(file, gzip);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            byte[] manifestBytes = Json.mapper().writeValueAsBytes(manifest);
            TarArchiveEntry manifestEntry = entry(ModelManifest.FILE_NAME, manifestBytes.length, 0644);
            tar.putArchiveEntry(manifestEntry);
            tar.write(manifestBytes);
            tar.closeArchiveEntry();
            for (Path f : ContentDigest.regularFiles(modelDir)) {
                String name = modelDir.relativize(f).toString().replace('\\', '/');
                if (name.equals(ModelManifest.FILE_NAME)) {
                    continue; // the manifest written above is the authoritative one
                }
                tar.putArchiveEntry(entry(name, Files.size(f), Files.isExecutable(f) ? 0755 : 0644));
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    private static TarArchiveEntry entry(String name, long size, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(mode);
        entry.setModTime(0);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        return entry;
    }

    /** Extracts an archive into {@code target}, refusing entries that would escape it. */
    public static void extract(Path archive, Path target) throws IOException {
        Files.createDirectories(target);
        Path root = target.toAbsolutePath().normalize();
        try (InputStream file = Files.newInputStream(archive);
                GzipCompressorInputStream gz = new GzipCompressorInputStream(file);
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = root.resolve(entry.getName()).normalize();
                if (!out.startsWith(root)) {
                    throw new IOException("archive entry " + entry.getName() + " points outside " + target);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0) {
                        Files.setPosixFilePermissions(out, Set.of(PosixFilePermission.OWNER_READ,
                                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
                    }
                }
            }
        }
    }

    /** Reads the manifest of an archive. */
    public static ModelManifest readManifest(Path archive) throws IOException {
        try (InputStream file = Files.newInputStream(archive);
                GzipCompressorInputStream gz = new GzipCompressorInputStream(file);
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (entry.getName().equals(ModelManifest.FILE_NAME)) {
                    return Json.mapper().readValue(tar.readAllBytes(), ModelManifest.class);
                }
            }
        }
        throw new IOException(archive + " has no " + ModelManifest.FILE_NAME);
    }
}
