package io.jenkins.plugins.cd4ml.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code features.yaml}: either a bare list of features or a mapping {@code features:} with
 * the list.
 *
 * <p>This is one half of the features contract; the model server's
 * {@code cd4ml_serving/features.py} is the other, and both must give the same verdict on every
 * file (the shared corpus under {@code src/test/resources/config-corpus} is run through both).
 * Values are typed as {@link PlainValues} types them (YAML 1.2 core: only {@code true}/{@code
 * false} are booleans, quoted values are text), and nothing is expanded: the server reads the
 * file as it is written.
 */
final class FeaturesReader {

    private static final List<String> FEATURE_KEYS = List.of("name", "type", "required", "min", "max", "enum",
            "description", "example");
    private static final List<String> TYPES = List.of("float", "int", "str", "bool");
    /** What a feature name may be: a CSV header as written, without surrounding spaces or control characters. */
    static final String NAME_RULE = "a feature name is the column name as sent in requests (spaces, '/', '.', "
            + "'(', ')' and '-' are fine) without leading or trailing spaces or control characters";

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

    /** The problem with a feature name, or null if it is one. */
    static String nameProblem(String name) {
        if (name.isEmpty() || isSpace(name.codePointAt(0)) || isSpace(name.codePointBefore(name.length()))) {
            return "'" + name + "' has leading or trailing spaces; " + NAME_RULE;
        }
        if (name.codePoints().anyMatch(Character::isISOControl)) {
            return "'" + name.replaceAll("\\p{Cntrl}", "?") + "' contains a control character (such as a tab or a "
                    + "line break); " + NAME_RULE;
        }
        return null;
    }

    /** Spaces as Python's str.isspace() sees them (Unicode space separators too), as the server checks. */
    private static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    private static Features.Feature feature(YamlFile file, Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            file.problem(file.position(node), path, "a feature must be a mapping with name and type, found "
                    + YamlMap.describe(node));
            return null;
        }
        YamlMap f = new YamlMap(file, path, mapping, FEATURE_KEYS);
        String name = name(f);
        String typeName = f.choice("type", TYPES);
        if (!f.has("type")) {
            f.missing("type", "use one of " + String.join(", ", TYPES));
        }
        Features.Type type = typeName == null ? null : Features.Type.valueOf(typeName.toUpperCase(Locale.ROOT));
        Boolean required = typed(f, "required", Boolean.class, "a boolean; expected true or false");
        Double min = number(f, "min");
        Double max = number(f, "max");
        boolean numeric = type == Features.Type.FLOAT || type == Features.Type.INT;
        if (type != null && !numeric && (f.has("min") || f.has("max"))) {
            f.problem(f.has("min") ? "min" : "max", "min and max only apply to float and int features");
            min = null;
            max = null;
        }
        if (min != null && max != null && min > max) {
            f.problem("max", "max (" + YamlMap.show(max) + ") is below min (" + YamlMap.show(min) + ")");
        }
        List<Object> enumValues = enumValues(f, type);
        String description = description(f);
        Object example = null;
        if (f.has("example")) {
            example = PlainValues.of(f.valueNode("example"), f.child("example"), f.file());
            checkExample(f, type, example, min, max, enumValues);
        }
        if (name == null || type == null) {
            return null;
        }
        return new Features.Feature(name, type, required == null || required, Optional.ofNullable(min),
                Optional.ofNullable(max), enumValues == null ? List.of()
                        : enumValues.stream().map(String::valueOf).toList(),
                Optional.ofNullable(description), Optional.ofNullable(example));
    }

    private static String name(YamlMap f) {
        if (!f.has("name")) {
            f.missing("name", "give the feature's name as sent in requests");
            return null;
        }
        Object value = PlainValues.of(f.valueNode("name"), f.child("name"), f.file());
        if (!(value instanceof String name)) {
            f.problem("name", show(value) + " is not text; quote a name that looks like a number or boolean, "
                    + "e.g. name: \"2019\"");
            return null;
        }
        String problem = nameProblem(name);
        if (problem != null) {
            f.problem("name", problem);
            return null;
        }
        return name;
    }

    /** A value of one plain type, or null if absent or of another type (recorded). */
    private static <T> T typed(YamlMap f, String key, Class<T> kind, String expected) {
        if (!f.has(key)) {
            return null;
        }
        Object value = PlainValues.of(f.valueNode(key), f.child(key), f.file());
        if (kind.isInstance(value)) {
            return kind.cast(value);
        }
        f.problem(key, show(value) + " is not " + expected);
        return null;
    }

    private static Double number(YamlMap f, String key) {
        Number n = typed(f, key, Number.class, "a number");
        if (n == null) {
            return null;
        }
        if (!Double.isFinite(n.doubleValue())) {
            f.problem(key, n + " is not a finite number");
            return null;
        }
        return n.doubleValue();
    }

    private static List<Object> enumValues(YamlMap f, Features.Type type) {
        List<Node> items = f.list("enum");
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            f.problem("enum", "must list at least one allowed value");
            return null;
        }
        if (type == null) {
            return null;
        }
        if (type != Features.Type.STR && type != Features.Type.INT) {
            f.problem("enum", "enum only applies to str and int features");
            return null;
        }
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String itemPath = f.child("enum") + "[" + i + "]";
            Object value = PlainValues.of(items.get(i), itemPath, f.file());
            boolean fits = type == Features.Type.STR ? value instanceof String : value instanceof Long;
            if (!fits) {
                f.file().problem(f.file().position(items.get(i)), itemPath, show(value) + " is not "
                        + (type == Features.Type.STR ? "text; quote it (enum: [\"yes\", \"no\"] for words that look "
                                + "like other values)" : "a whole number"));
                return null;
            }
            if (values.contains(value)) {
                f.file().problem(f.file().position(items.get(i)), itemPath, show(value) + " is listed twice");
                return null;
            }
            values.add(value);
        }
        return values;
    }

    private static String description(YamlMap f) {
        if (!f.has("description")) {
            return null;
        }
        Object value = PlainValues.of(f.valueNode("description"), f.child("description"), f.file());
        if (value instanceof Map || value instanceof List) {
            f.problem("description", "expected text, found " + YamlMap.describe(f.valueNode("description")));
            return null;
        }
        return String.valueOf(value);
    }

    private static void checkExample(YamlMap f, Features.Type type, Object example, Double min, Double max,
            List<Object> enumValues) {
        if (type == null || example == null) {
            return;
        }
        boolean fits = switch (type) {
            case FLOAT -> example instanceof Number n && Double.isFinite(n.doubleValue());
            case INT -> example instanceof Long;
            case BOOL -> example instanceof Boolean;
            case STR -> example instanceof String;
        };
        if (!fits) {
            f.problem("example", "example " + show(example) + " is not a " + type.configName());
        } else if (example instanceof Number n && (min != null && n.doubleValue() < min
                || max != null && n.doubleValue() > max)) {
            f.problem("example", "example " + example + " is outside min/max");
        } else if (enumValues != null && !enumValues.contains(example)) {
            f.problem("example", "example " + show(example) + " is not one of the enum values");
        }
    }

    private static String show(Object value) {
        if (value instanceof String s) {
            return "'" + s + "'";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return String.valueOf(value);
    }
}
