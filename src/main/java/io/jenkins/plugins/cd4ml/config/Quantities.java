package io.jenkins.plugins.cd4ml.config;

/** Reads Kubernetes resource quantities (CPU and memory) from configuration. */
final class Quantities {

    private Quantities() {
    }

    static String cpu(YamlMap map, String key) {
        String text = map.string(key);
        if (text == null) {
            return null;
        }
        if (!Patterns.QUANTITY.matcher(text).matches() || (text.matches(".*[A-Za-z].*") && !text.endsWith("m"))) {
            map.problem(key, "'" + text + "' is not a CPU quantity; " + Patterns.CPU_RULE);
            return null;
        }
        return text;
    }

    static String memory(YamlMap map, String key) {
        String text = map.string(key);
        if (text == null) {
            return null;
        }
        if (!Patterns.QUANTITY.matcher(text).matches() || text.endsWith("m")) {
            String hint = text.matches("(?i)[0-9.]+(gb|gi|g)") ? " (Kubernetes spells it "
                    + text.replaceAll("(?i)(gb|gi|g)$", "Gi") + ")"
                    : text.matches("(?i)[0-9.]+(mb|mi)") ? " (Kubernetes spells it "
                    + text.replaceAll("(?i)(mb|mi)$", "Mi") + ")" : "";
            map.problem(key, "'" + text + "' is not a memory quantity; " + Patterns.MEMORY_RULE + hint);
            return null;
        }
        return text;
    }
}
