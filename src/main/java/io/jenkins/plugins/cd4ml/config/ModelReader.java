package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code model} section. */
final class ModelReader {

    static final String DEFAULT_FEATURES = "features.yaml";

    private ModelReader() {
    }

    /**
     * What was read of the section.
     *
     * @param model the section, or null if it is missing or incomplete (the problem is recorded)
     * @param features the features file it names (the default {@code features.yaml} when it names
     *     none or the section is missing), or null if {@code model.features} is not a path; kept
     *     apart from {@code model} so that a missing target does not hide a missing features file
     */
    record Section(ModelConfig model, Path features) {
    }

    static Section read(YamlMap root, Path directory) {
        YamlMap model = root.map("model", List.of("features", "target", "classes", "id_field"));
        if (model == null) {
            if (!root.has("model")) {
                root.missing("model", "add 'model: {features: features.yaml, target: <label column>}'");
                return new Section(null, directory.resolve(DEFAULT_FEATURES));
            }
            return new Section(null, null);
        }
        String featuresText = model.has("features") ? model.string("features") : DEFAULT_FEATURES;
        Path features = featuresText == null ? null : directory.resolve(featuresText).normalize();
        String target = model.requiredString("target", "name the column the model predicts");
        List<String> classes = TrainReader.orEmpty(model.stringList("classes"));
        Set<String> seen = new HashSet<>();
        for (String c : classes) {
            if (!seen.add(c)) {
                model.problem("classes", "class '" + c + "' is listed twice; class names must be unique");
            }
        }
        String idField = model.matching("id_field", Pattern.compile("[A-Za-z_][A-Za-z0-9_]*"),
                "use letters, digits and '_' (a JSON field name such as request_id)");
        if (target == null || features == null) {
            return new Section(null, features);
        }
        return new Section(new ModelConfig(features, target, classes, Optional.ofNullable(idField)), features);
    }
}
