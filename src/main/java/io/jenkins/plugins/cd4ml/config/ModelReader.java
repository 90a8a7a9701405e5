package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code model} section. */
final class ModelReader {

    private ModelReader() {
    }

    static ModelConfig read(YamlMap root, Path directory) {
        YamlMap model = root.map("model", List.of("features", "target", "classes", "id_field"));
        if (model == null) {
            if (!root.has("model")) {
                root.missing("model", "add 'model: {features: features.yaml, target: <label column>}'");
            }
            return null;
        }
        String features = Optional.ofNullable(model.string("features")).orElse("features.yaml");
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
        if (target == null) {
            return null;
        }
        return new ModelConfig(directory.resolve(features).normalize(), target, classes,
                Optional.ofNullable(idField));
    }
}
