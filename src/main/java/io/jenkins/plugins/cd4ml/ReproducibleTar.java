package io.jenkins.plugins.cd4ml;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * The {@code .tar.gz} files cd4ml writes (model and source archives): fixed times and owners in
 * every entry and in the gzip header, so the same content always gives the same bytes.
 */
public final class ReproducibleTar {

    private ReproducibleTar() {
    }

    /** A gzipped tar stream into {@code target} (closing it closes the file), with POSIX long names and sizes. */
    public static TarArchiveOutputStream create(Path target) throws IOException {
        GzipParameters gzip = new GzipParameters();
        gzip.setModificationTime(0);
        OutputStream file = Files.newOutputStream(target);
        try {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file, gzip));
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            return tar;
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** An entry of {@code size} bytes with mode {@code 0644}, or {@code 0755} if {@code executable}, time 0, owner root. */
    public static TarArchiveEntry entry(String name, long size, boolean executable) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(executable ? 0755 : 0644);
        entry.setModTime(0);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        return entry;
    }
}
