package io.jenkins.plugins.cd4ml.operation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures a build page shows for an operation, read from its {@code --json} document:
 * the model version, its metrics, the quality gate's verdict, the serving image and its digest,
 * and the HTML report.
 *
 * <p>Fields the document does not have are {@code null} (metrics: empty). The reader knows the
 * shapes of every result: {@code train} (top-level {@code model_version}, {@code metrics}),
 * {@code tune} ({@code model_version}, {@code best_training}, {@code gate}), {@code gate}
 * ({@code passed}), {@code buildImage} ({@code reference}, {@code digest}), {@code run} (under
 * {@code training} and {@code image}, a stage named {@code gate}), {@code deploy} ({@code image} as
 * text); a {@code report} text field at the top level names the report.
 *
 * @param modelVersion the content-addressed model version
 * @param metrics metric name to value, in the document's order
 * @param gate {@code passed}, {@code failed}, or {@code null} when no gate ran
 * @param imageReference the serving image, {@code repository:tag}
 * @param imageDigest its registry digest, when pushed
 * @param report the path of the HTML report, as the engine wrote it
 */
public record OutcomeSummary(String modelVersion, Map<String, Double> metrics, String gate, String imageReference,
        String imageDigest, String report) {

    public OutcomeSummary {
        metrics = new LinkedHashMap<>(metrics);
    }

    /** Reads the summary out of an operation's {@code --json} document. */
    public static OutcomeSummary of(Map<String, Object> document) {
        Map<String, Object> training = map(document.get("training"));
        Map<String, Object> best = map(document.get("best_training"));
        Map<String, Object> image = map(document.get("image"));
        boolean isImage = document.containsKey("reference") && document.containsKey("image_id");

        String modelVersion = firstText(document.get("model_version"), training.get("model_version"),
                best.get("model_version"), image.get("model_version"));
        Map<String, Double> metrics = numbers(document.get("metrics"));
        if (metrics.isEmpty()) {
            metrics = numbers(training.get("metrics"));
        }
        if (metrics.isEmpty()) {
            metrics = numbers(best.get("metrics"));
        }
        String imageReference = isImage ? text(document.get("reference"))
                : firstText(image.get("reference"), document.get("image"));
        String imageDigest = isImage ? text(document.get("digest")) : text(image.get("digest"));
        return new OutcomeSummary(modelVersion, metrics, gate(document), imageReference, imageDigest,
                text(document.get("report")));
    }

    private static String gate(Map<String, Object> document) {
        Object passed = map(document.get("gate")).get("passed");
        if (passed == null && document.containsKey("passed")) {
            passed = document.get("passed");
        }
        if (passed instanceof Boolean b) {
            return b ? "passed" : "failed";
        }
        if (document.get("stages") instanceof List<?> stages) {
            for (Object s : stages) {
                Map<String, Object> stage = map(s);
                if ("gate".equals(stage.get("name"))) {
                    Object status = stage.get("status");
                    if ("succeeded".equals(status)) {
                        return "passed";
                    }
                    if ("failed".equals(status)) {
                        return "failed";
                    }
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Map<String, Double> numbers(Object value) {
        Map<String, Double> numbers = new LinkedHashMap<>();
        map(value).forEach((k, v) -> {
            if (v instanceof Number n) {
                numbers.put(k, n.doubleValue());
            }
        });
        return numbers;
    }

    private static String firstText(Object... values) {
        for (Object value : values) {
            String text = text(value);
            if (text != null) {
                return text;
            }
        }
        return null;
    }

    private static String text(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }
}
