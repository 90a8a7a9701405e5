package io.jenkins.plugins.cd4ml.model;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.ReproducibleTar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The {@code model.tar.gz} artifact: the model directory's files plus {@code model.json}, in the
 * layout SageMaker uses for model artifacts. Archives are reproducible: sorted entries, fixed
 * times and owners.
 */
public final class ModelArchive {

    /** The file name of a packaged model. */
    public static final String FILE_NAME = "model.tar.gz";

    private ModelArchive() {
    }

    /** Writes {@code modelDir}'s files and the manifest into {@code target}. */
    public static void write(Path modelDir, ModelManifest manifest, Path target) throws IOException {
        try (TarArchiveOutputStream tar = ReproducibleTar.create(target)) {
            byte[] manifestBytes = Json.mapper().writeValueAsBytes(manifest);
            tar.putArchiveEntry(ReproducibleTar.entry(ModelManifest.FILE_NAME, manifestBytes.length, false));
            tar.write(manifestBytes);
            tar.closeArchiveEntry();
            for (Path f : ContentDigest.regularFiles(modelDir)) {
                String name = modelDir.relativize(f).toString().replace('\\', '/');
                if (name.equals(ModelManifest.FILE_NAME)) {
                    continue; // the manifest written above is the authoritative one
                }
                tar.putArchiveEntry(ReproducibleTar.entry(name, Files.size(f), Files.isExecutable(f)));
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
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

    /**
     * Reads the manifest of an archive.
     *
     * @throws Cd4mlException (a user error) if the file is not a cd4ml model archive: not gzip, not
     *     tar, or without a readable {@code model.json}
     * @throws IOException if the file cannot be read at all
     */
    public static ModelManifest readManifest(Path archive) throws IOException {
        try (InputStream file = Files.newInputStream(archive)) {
            String why;
            try (GzipCompressorInputStream gz = new GzipCompressorInputStream(file);
                    TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    if (entry.getName().equals(ModelManifest.FILE_NAME)) {
                        return readManifestEntry(archive, tar.readAllBytes());
                    }
                }
                why = "it holds no " + ModelManifest.FILE_NAME;
            } catch (IOException e) {
                // a file that opened but does not decode: the wrong file, not a disk problem
                why = "it is not a gzip-compressed tar archive (" + e.getMessage() + ")";
            }
            throw notAModel(archive, why);
        }
    }

    private static ModelManifest readManifestEntry(Path archive, byte[] json) {
        try {
            ModelManifest manifest = Json.mapper().readValue(json, ModelManifest.class);
            if (manifest == null || manifest.version() == null || manifest.project() == null) {
                throw notAModel(archive, "its " + ModelManifest.FILE_NAME + " names no project and version");
            }
            return manifest;
        } catch (IOException e) {
            throw notAModel(archive, "its " + ModelManifest.FILE_NAME + " is not a cd4ml model manifest ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static Cd4mlException notAModel(Path archive, String why) {
        return Cd4mlException.badInput(archive + " is not a cd4ml model: " + why,
                "give a model.tar.gz that cd4ml train stored (it holds " + ModelManifest.FILE_NAME + " next to the "
                        + "model files), a model version, or LATEST");
    }
}
