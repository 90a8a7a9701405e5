package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Path;

/**
 * Where a value came from: a file and a 1-based line and column.
 *
 * <p>Rendered as {@code config.yaml:14:5}, the form editors and Jenkins' log parsers link to.
 */
public record Position(Path file, int line, int column) {

    /** A position for a whole file, used when no node exists (e.g. an empty file). */
    public static Position startOf(Path file) {
        return new Position(file, 1, 1);
    }

    @Override
    public String toString() {
        return file.getFileName() + ":" + line + ":" + column;
    }
}
