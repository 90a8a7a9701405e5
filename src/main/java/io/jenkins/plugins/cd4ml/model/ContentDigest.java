package io.jenkins.plugins.cd4ml.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * SHA-256 of a file, or of a directory tree as a whole (relative paths and file contents, in
 * sorted order, so the same content always gives the same digest wherever it lies).
 */
public final class ContentDigest {

    private ContentDigest() {
    }

    /** Hex SHA-256 of a file, or of every regular file under a directory. */
    public static String sha256(Path path) {
        try {
            if (Files.isRegularFile(path)) {
                return fileSha256(path);
            }
            MessageDigest tree = newDigest();
            for (Path file : regularFiles(path)) {
                String relative = path.relativize(file).toString().replace('\\', '/');
                tree.update((relative + "\0" + fileSha256(file) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(tree.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hex SHA-256 of a text (UTF-8). */
    public static String sha256(String text) {
        return HexFormat.of().formatHex(newDigest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The regular files under a directory, sorted by relative path. */
    public static List<Path> regularFiles(Path directory) throws IOException {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile)
                    .sorted((a, b) -> directory.relativize(a).toString().compareTo(directory.relativize(b).toString()))
                    .toList();
        }
    }

    private static String fileSha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
