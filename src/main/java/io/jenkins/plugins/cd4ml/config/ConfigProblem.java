package io.jenkins.plugins.cd4ml.config;

/**
 * One mistake in a configuration file: where it is, which setting, and what is wrong and allowed.
 *
 * @param position where the offending value (or the enclosing mapping, for a missing key) is
 * @param path the dotted setting path, such as {@code train.timeout}; empty for the document
 * @param message what is wrong and what is allowed, as one sentence
 */
public record ConfigProblem(Position position, String path, String message) {

    @Override
    public String toString() {
        return position + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }
}
