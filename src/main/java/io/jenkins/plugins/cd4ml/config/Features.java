package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The request schema of the served model, read from {@code features.yaml}: an ordered list of
 * features.
 */
public record Features(Path file, List<Feature> features) {

    /** One input feature. */
    public record Feature(String name, Type type, boolean required, Optional<Double> min, Optional<Double> max,
            List<String> enumValues, Optional<String> description, Optional<Object> example) {
    }

    /** Value types a feature may have. */
    public enum Type {
        FLOAT, INT, STR, BOOL;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Feature names in order. */
    public List<String> names() {
        return features.stream().map(Feature::name).toList();
    }
}
