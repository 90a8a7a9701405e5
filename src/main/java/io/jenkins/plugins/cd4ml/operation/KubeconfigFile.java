package io.jenkins.plugins.cd4ml.operation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A kubeconfig handed to one operation as content (a Jenkins secret file credential), written to a
 * new private temporary directory ({@code rwx------}) for as long as the operation runs and deleted
 * when this is closed. The operation reads it through {@code KUBECONFIG} in its own environment
 * ({@link #environment()}), never the process's, so two builds on one agent use their own clusters.
 *
 * <pre>{@code
 * try (KubeconfigFile kube = KubeconfigFile.write(content)) {   // null content: no file, no variable
 *     env.putAll(kube.environment());
 *     EngineOperation.named("deploy").withEnvironment(env)...call();
 * }
 * }</pre>
 */
public final class KubeconfigFile implements AutoCloseable {

    /** The keys whose values are credentials, to be masked wherever the operation's output goes. */
    private static final Pattern SECRET_LINE = Pattern.compile(
            "^\\s*-?\\s*(token|client-key-data|client-certificate-data|password|id-token|refresh-token)\\s*:\\s*(.+?)\\s*$");

    private final Path directory;
    private final Path file;

    private KubeconfigFile(Path directory, Path file) {
        this.directory = directory;
        this.file = file;
    }

    /**
     * Writes {@code content} to {@code kubeconfig} in a new private temporary directory; with
     * {@code null} content nothing is written and {@link #environment()} is empty.
     */
    public static KubeconfigFile write(byte[] content) throws IOException {
        if (content == null) {
            return new KubeconfigFile(null, null);
        }
        Path directory = privateDirectory();
        try {
            return new KubeconfigFile(directory, Files.write(directory.resolve("kubeconfig"), content));
        } catch (IOException e) {
            deleteQuietly(directory);
            throw e;
        }
    }

    /** {@code KUBECONFIG} pointing at the file, or nothing when there is no kubeconfig. */
    public Map<String, String> environment() {
        return file == null ? Map.of() : Map.of("KUBECONFIG", file.toString());
    }

    /** The written file, or null. */
    public Path path() {
        return file;
    }

    /**
     * The credentials inside a kubeconfig (tokens, client keys and certificates, passwords), for
     * masking: an operation's output may quote a line of it in an error.
     */
    public static List<String> secretsOf(byte[] content) {
        List<String> secrets = new ArrayList<>();
        if (content == null) {
            return secrets;
        }
        for (String line : new String(content, StandardCharsets.UTF_8).split("\\R")) {
            Matcher m = SECRET_LINE.matcher(line);
            if (m.matches()) {
                String value = m.group(2);
                if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                        || value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                if (!value.isBlank()) {
                    secrets.add(value);
                }
            }
        }
        return secrets;
    }

    /** Deletes the file and its directory. */
    @Override
    public void close() {
        if (directory != null) {
            deleteQuietly(directory);
        }
    }

    private static Path privateDirectory() throws IOException {
        try {
            return Files.createTempDirectory("cd4ml-credentials-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the user's own temporary directory is private to the user
            return Files.createTempDirectory("cd4ml-credentials-");
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // left in a private temporary directory; the system's temp cleaning removes it
        }
    }
}
