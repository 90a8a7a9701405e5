package io.jenkins.plugins.cd4ml.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code features.yaml}: either a bare list of features or a mapping {@code features:} with
 * the list.
 */
final class FeaturesReader {

    private static final List<String> FEATURE_KEYS = List.of("name", "type", "required", "min", "max", "enum",
            "description", "example");
    private static final List<String> TYPES = List.of("float", "int", "str", "bool");

    private FeaturesReader() {
    }

    static Features read(YamlFile file) {
        Optional<Node> root = file.root();
        if (root.isEmpty()) {
            return null;
        }
        Node node = root.get();
        List<Node> items;
        String base;
        if (node instanceof SequenceNode sequence) {
            items = sequence.getValue();
            base = "";
        } else if (node instanceof MappingNode mapping) {
            YamlMap top = new YamlMap(file, "", mapping, List.of("features"));
            items = top.list("features");
            base = "features";
            if (items == null) {
                if (!top.has("features")) {
                    top.missing("features", "list the model's input features under 'features:'");
                }
                return null;
            }
        } else {
            file.problem(file.position(node), "", "expected a list of features (or 'features:' with the list), "
                    + "found " + YamlMap.describe(node));
            return null;
        }
        if (items.isEmpty()) {
            file.problem(file.position(node), base, "must list at least one feature");
        }
        List<Features.Feature> features = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String path = base.isEmpty() ? "[" + i + "]" : base + "[" + i + "]";
            Features.Feature feature = feature(file, items.get(i), path);
            if (feature == null) {
                continue;
            }
            if (!names.add(feature.name())) {
                file.problem(file.position(items.get(i)), path + ".name", "feature '" + feature.name()
                        + "' is listed twice; names must be unique");
            }
            features.add(feature);
        }
        return new Features(file.path(), List.copyOf(features));
    }

    private static Features.Feature feature(YamlFile file, Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            file.problem(file.position(node), path, "a feature must be a mapping with name and type, found "
                    + YamlMap.describe(node));
            return null;
        }
        YamlMap f = new YamlMap(file, path, mapping, FEATURE_KEYS);
        String name = f.requiredString("name", "give the feature's name as sent in requests");
        if (name != null && !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            f.problem("name", "'" + name + "' is not a valid feature name; use letters, digits and '_', starting "
                    + "with a letter or '_' (it becomes a JSON field and a Python identifier)");
            name = null;
        }
        String typeName = f.choice("type", TYPES);
        if (!f.has("type")) {
            f.missing("type", "use one of " + String.join(", ", TYPES));
        }
        Boolean required = f.bool("required");
        Double min = f.number("min");
        Double max = f.number("max");
        List<String> enumValues = f.stringList("enum");
        Features.Type type = typeName == null ? null : Features.Type.valueOf(typeName.toUpperCase(Locale.ROOT));
        if (type != null) {
            boolean numeric = type == Features.Type.FLOAT || type == Features.Type.INT;
            if (!numeric && (f.has("min") || f.has("max"))) {
                f.problem(f.has("min") ? "min" : "max", "min and max only apply to float and int features");
            }
            if (type != Features.Type.STR && type != Features.Type.INT && enumValues != null) {
                f.problem("enum", "enum only applies to str and int features");
            }
        }
        if (min != null && max != null && min > max) {
            f.problem("max", "max (" + YamlMap.show(max) + ") is below min (" + YamlMap.show(min) + ")");
        }
        if (enumValues != null && enumValues.isEmpty()) {
            f.problem("enum", "must list at least one allowed value");
        }
        Object example = null;
        if (f.has("example")) {
            example = PlainValues.of(f.valueNode("example"), f.child("example"), file);
            checkExample(f, type, example, min, max);
        }
        if (name == null || type == null) {
            return null;
        }
        return new Features.Feature(name, type, required == null || required, Optional.ofNullable(min),
                Optional.ofNullable(max), enumValues == null ? List.of() : enumValues,
                Optional.ofNullable(f.string("description")), Optional.ofNullable(example));
    }

    private static void checkExample(YamlMap f, Features.Type type, Object example, Double min, Double max) {
        if (type == null || example == null) {
            return;
        }
        boolean fits = switch (type) {
            case FLOAT -> example instanceof Number;
            case INT -> example instanceof Long;
            case BOOL -> example instanceof Boolean;
            case STR -> true;
        };
        if (!fits) {
            f.problem("example", "example " + (example instanceof String ? "'" + example + "'" : example)
                    + " is not a " + type.configName());
        } else if (example instanceof Number n && (min != null && n.doubleValue() < min
                || max != null && n.doubleValue() > max)) {
            f.problem("example", "example " + example + " is outside min/max");
        }
    }
}
