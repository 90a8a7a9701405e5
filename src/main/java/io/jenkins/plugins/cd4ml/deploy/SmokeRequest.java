package io.jenkins.plugins.cd4ml.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.Features;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one prediction a smoke test sends, built from {@code features.yaml}: each feature's
 * {@code example}, else its first {@code enum} value, else {@code min}, {@code max} or a zero value
 * of its type (the same rule the chart's {@code helm test} hook applies inside the image).
 */
public final class SmokeRequest {

    private SmokeRequest() {
    }

    /** The row as feature name → value, in feature order. */
    public static Map<String, Object> row(Features features) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Features.Feature f : features.features()) {
            row.put(f.name(), value(f));
        }
        return row;
    }

    /** The row as a compact JSON object. */
    public static String json(Features features) {
        try {
            return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(row(features));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a row of plain values is JSON", e);
        }
    }

    private static Object value(Features.Feature f) {
        if (f.example().isPresent()) {
            return f.example().get();
        }
        if (!f.enumValues().isEmpty()) {
            return typed(f.type(), f.enumValues().get(0));
        }
        if (f.min().isPresent()) {
            return number(f.type(), f.min().get());
        }
        if (f.max().isPresent()) {
            return number(f.type(), f.max().get());
        }
        return switch (f.type()) {
            case FLOAT -> 0.0;
            case INT -> 0;
            case STR -> "";
            case BOOL -> false;
        };
    }

    private static Object number(Features.Type type, double value) {
        return type == Features.Type.INT ? (Object) (long) Math.ceil(value) : (Object) value;
    }

    private static Object typed(Features.Type type, String text) {
        return switch (type) {
            case INT -> Long.parseLong(text);
            case FLOAT -> Double.parseDouble(text);
            case BOOL -> Boolean.parseBoolean(text);
            case STR -> text;
        };
    }
}
