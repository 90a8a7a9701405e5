package io.jenkins.plugins.cd4ml.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.exception.DockerException;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns docker-java failures into the daemon's own words, for messages that wrap them with context.
 *
 * <p>docker-java reports a daemon error as {@code Status 500: {"message":"..."}}; the JSON
 * envelope helps nobody. Transport failures arrive as nested exceptions whose innermost message
 * ("No such file or directory", "Connection refused") is the useful one.
 */
public final class DockerErrors {

    private static final Pattern STATUS_PREFIX = Pattern.compile("(?s)Status \\d+: (.*)");

    private DockerErrors() {
    }

    /** The most useful one-line description of {@code error}. */
    public static String message(Throwable error) {
        Throwable innermost = error;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        // a daemon error carries the daemon's words; a transport error's are at the bottom of the chain
        String text = error instanceof DockerException ? error.getMessage() : innermost.getMessage();
        if (text == null || text.isBlank()) {
            return innermost.getClass().getSimpleName();
        }
        return daemonMessage(text.strip());
    }

    /** The {@code message} of a daemon error body, or the text unchanged if it is not one. */
    static String daemonMessage(String text) {
        Matcher status = STATUS_PREFIX.matcher(text);
        String body = status.matches() ? status.group(1).strip() : text;
        if (body.startsWith("{")) {
            try {
                JsonNode node = Json.mapper().readTree(body);
                if (node.hasNonNull("message")) {
                    return node.get("message").asText().strip();
                }
            } catch (IOException e) {
                // not JSON after all: keep the text
            }
        }
        return body;
    }
}
