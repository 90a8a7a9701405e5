package io.jenkins.plugins.cd4ml.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.Map;

/**
 * Renders a hyperparameter value as the text SageMaker would pass: scalars as written, lists
 * and mappings as JSON.
 */
public final class HyperparameterText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HyperparameterText() {
    }

    /** The text form of a plain value; {@code null} becomes an empty string. */
    public static String of(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
            try {
                return JSON.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("plain YAML values always serialize", e);
            }
        }
        return value.toString();
    }
}
