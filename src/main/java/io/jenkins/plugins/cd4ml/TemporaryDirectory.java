package io.jenkins.plugins.cd4ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Clean-up of the scratch directories the engine creates (build contexts, caches, extracted models). */
public final class TemporaryDirectory {

    private TemporaryDirectory() {
    }

    /**
     * Deletes a directory tree (or a file), ignoring failures: scratch left behind is harmless and
     * not worth failing the work that used it.
     */
    public static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // left behind, see above
        }
    }
}
