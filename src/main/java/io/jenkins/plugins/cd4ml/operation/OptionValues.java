package io.jenkins.plugins.cd4ml.operation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The options of one operation call, checked against what the operation accepts.
 *
 * <p>Values arrive as a Jenkinsfile writes them (Groovy strings, numbers, booleans, maps, lists);
 * {@link #plain(Object)} turns them into plain Java values so that they can be stored and sent
 * between machines. Every problem is reported at once, naming the option and what is allowed.
 */
final class OptionValues {

    private final Operation operation;
    private final Map<String, Object> values;

    private OptionValues(Operation operation, Map<String, Object> values) {
        this.operation = operation;
        this.values = values;
    }

    /**
     * Checks {@code raw} against the options of {@code operation}.
     *
     * @throws Cd4mlException a usage error listing every unknown option and the known ones
     */
    static OptionValues of(Operation operation, Map<String, ?> raw) {
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        if (raw != null) {
            raw.forEach((name, value) -> {
                if (!operation.options().contains(name)) {
                    unknown.add(name);
                } else if (value != null) {
                    values.put(name, plain(value));
                }
            });
        }
        if (!unknown.isEmpty()) {
            String known = operation.options().isEmpty() ? "it takes no options"
                    : "its options are " + String.join(", ", operation.options());
            throw Cd4mlException.badInput((unknown.size() == 1 ? "unknown option " : "unknown options ")
                    + String.join(", ", unknown.stream().map(u -> "'" + u + "'").toList()) + " for the "
                    + operation.stepName() + " operation; " + known,
                    "remove or correct " + (unknown.size() == 1 ? "it" : "them"));
        }
        return new OptionValues(operation, values);
    }

    /**
     * {@code value} as plain Java data: text as {@link String}, maps as {@link LinkedHashMap}
     * with text keys, collections and arrays as {@link ArrayList}; numbers and booleans as they are.
     */
    static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof Number) {
            return value;
        }
        if (value instanceof CharSequence || value instanceof Character || value instanceof Enum<?>) {
            return value.toString();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> plain = new LinkedHashMap<>();
            map.forEach((k, v) -> plain.put(String.valueOf(k), plain(v)));
            return plain;
        }
        if (value instanceof Collection<?> collection) {
            List<Object> plain = new ArrayList<>();
            collection.forEach(v -> plain.add(plain(v)));
            return plain;
        }
        if (value instanceof Object[] array) {
            List<Object> plain = new ArrayList<>();
            for (Object v : array) {
                plain.add(plain(v));
            }
            return plain;
        }
        return value.toString();
    }

    /** The text value of {@code name}, if given. */
    Optional<String> text(String name) {
        Object value = values.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw wrongType(name, value, "text");
        }
        String text = value.toString().strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** The boolean value of {@code name} ({@code true}/{@code false} or the same as text), else {@code otherwise}. */
    boolean flag(String name, boolean otherwise) {
        Object value = values.get(name);
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().strip().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw wrongType(name, value, "true or false");
    }

    /**
     * The map value of {@code name} with every value as the text a script receives: numbers and
     * text as written, lists and maps as JSON (as {@code config.yaml} hyperparameters are passed).
     */
    Map<String, String> textMap(String name) {
        Object value = values.get(name);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw wrongType(name, value, "a map such as [max_depth: 6]");
        }
        Map<String, String> texts = new LinkedHashMap<>();
        map.forEach((k, v) -> texts.put(String.valueOf(k), asText(v)));
        return texts;
    }

    private static String asText(Object value) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            try {
                return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("plain values always serialise", e);
            }
        }
        return String.valueOf(value);
    }

    private Cd4mlException wrongType(String name, Object value, String expected) {
        return Cd4mlException.badInput("option '" + name + "' of the " + operation.stepName() + " operation is "
                + describe(value) + "; expected " + expected, "give " + name + " as " + expected);
    }

    private static String describe(Object value) {
        if (value instanceof Map<?, ?>) {
            return "a map";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        return "'" + value + "'";
    }
}
