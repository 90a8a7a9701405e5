package io.jenkins.plugins.cd4ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Text files bundled in the cd4ml jar next to the class that uses them (scripts that run elsewhere). */
public final class BundledText {

    private BundledText() {
    }

    /** The UTF-8 text of resource {@code name}, relative to {@code anchor}'s package. */
    public static String of(Class<?> anchor, String name) {
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the cd4ml jar (next to "
                        + anchor.getName() + ")");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
