package io.jenkins.plugins.cd4ml.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML mapping being read as a configuration section.
 *
 * <p>Knows which keys are allowed (unknown ones are reported with a "did you mean"), reads typed
 * values from the raw scalar text (so YAML 1.1 surprises like {@code off} becoming a boolean do
 * not apply), remembers each value's position, and records — rather than throws — every problem.
 * Getters return {@code null} for absent or invalid values; the problem has been recorded.
 */
final class YamlMap {

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern NUMBER = Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");
    /** Common words for the value types, mapped to the names cd4ml uses. */
    private static final Map<String, String> SYNONYMS = Map.of("double", "float", "number", "float",
            "integer", "int", "string", "str", "text", "str", "boolean", "bool");

    private final YamlFile file;
    private final String path;
    private final MappingNode node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> suggested = new HashSet<>();

    /**
     * @param knownKeys the allowed keys, or {@code null} for a free-form mapping (names chosen by
     *     the user, such as channel names)
     */
    YamlMap(YamlFile file, String path, MappingNode node, Iterable<String> knownKeys) {
        this.file = file;
        this.path = path;
        this.node = node;
        Set<String> known = null;
        if (knownKeys != null) {
            known = new LinkedHashSet<>();
            knownKeys.forEach(known::add);
        }
        Map<String, Node> firstSeen = new HashMap<>();
        for (NodeTuple tuple : node.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                file.problem(file.position(keyNode), path, "keys must be plain names, found " + describe(keyNode));
                continue;
            }
            String key = scalarKey.getValue();
            String keyPath = child(key);
            if (Tag.MERGE.equals(keyNode.getTag()) || key.equals("<<")) {
                continue; // merged mappings are read below, after the keys written here
            }
            Node previous = firstSeen.putIfAbsent(key, keyNode);
            if (previous != null) {
                file.problem(file.position(keyNode), keyPath, "duplicate key '" + key + "' (first set at "
                        + file.position(previous) + "); keep only one");
                continue;
            }
            if (known != null && !known.contains(key)) {
                String suggestion = closest(key, known);
                if (suggestion != null) {
                    suggested.add(suggestion);
                }
                file.problem(file.position(keyNode), keyPath, unknownKeyMessage(key, known));
                continue;
            }
            entries.put(key, tuple);
            file.remember(keyPath, tuple.getValueNode());
            file.rememberKey(keyPath, keyNode);
        }
        merge(node, known);
    }

    /** YAML merge keys ({@code <<: *defaults}): merged entries fill in keys not written explicitly. */
    private void merge(MappingNode node, Set<String> known) {
        for (NodeTuple tuple : node.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key) || !(Tag.MERGE.equals(key.getTag())
                    || key.getValue().equals("<<"))) {
                continue;
            }
            List<Node> sources = tuple.getValueNode() instanceof SequenceNode seq ? seq.getValue()
                    : List.of(tuple.getValueNode());
            for (Node source : sources) {
                if (!(source instanceof MappingNode mapping)) {
                    file.problem(file.position(source), path, "'<<' must merge a mapping (such as *defaults), found "
                            + describe(source));
                    continue;
                }
                for (NodeTuple merged : mapping.getValue()) {
                    if (merged.getKeyNode() instanceof ScalarNode mergedKey
                            && !entries.containsKey(mergedKey.getValue())) {
                        String name = mergedKey.getValue();
                        if (known != null && !known.contains(name)) {
                            file.problem(file.position(mergedKey), child(name), unknownKeyMessage(name, known));
                            continue;
                        }
                        entries.put(name, merged);
                        file.remember(child(name), merged.getValueNode());
                        file.rememberKey(child(name), mergedKey);
                    }
                }
            }
        }
    }

    static String unknownKeyMessage(String key, Collection<String> known) {
        String suggestion = closest(key, known);
        return "unknown setting '" + key + "'"
                + (suggestion != null ? "; did you mean '" + suggestion + "'?" : ".")
                + " Allowed here: " + String.join(", ", known);
    }

    /** The known name closest to a misspelt one, or null if none is close. */
    static String closest(String key, Collection<String> known) {
        String normalized = normalize(key);
        String synonym = SYNONYMS.get(key.toLowerCase(Locale.ROOT));
        if (synonym != null && known.contains(synonym)) {
            return synonym;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            if (normalize(candidate).equals(normalized)) {
                return candidate;
            }
            int d = EditDistance.between(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance && d <= Math.max(1, candidate.length() / 3)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String normalize(String name) {
        return name.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** A number as the user would write it: {@code 10} rather than {@code 10.0}. */
    static String show(Double value) {
        if (value == null) {
            return "null";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.valueOf(value.longValue());
        }
        return String.valueOf(value);
    }

    static String describe(Node node) {
        if (node instanceof ScalarNode scalar) {
            return "'" + scalar.getValue() + "'";
        }
        return node instanceof SequenceNode ? "a list" : "a mapping";
    }

    String path() {
        return path;
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    YamlFile file() {
        return file;
    }

    Position position() {
        return file.position(node);
    }

    /** Position of a key's value, or of this mapping if the key is absent. */
    Position positionOf(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? position() : file.position(tuple.getValueNode());
    }

    /** Position of a key itself (for problems with the name rather than the value). */
    Position keyPositionOf(String key) {
        NodeTuple tuple = entries.get(key);
        return tuple == null ? position() : file.position(tuple.getKeyNode());
    }

    /** Records a problem with a key's name, pointing at the key. */
    void keyProblem(String key, String message) {
        file.problem(keyPositionOf(key), child(key), message);
    }

    /** True if the key is written, even with an empty value. */
    boolean isWritten(String key) {
        return entries.containsKey(key);
    }

    boolean has(String key) {
        Node value = valueNode(key);
        return value != null;
    }

    Set<String> keys() {
        return entries.keySet();
    }

    void problem(String key, String message) {
        file.problem(positionOf(key), key == null ? path : child(key), message);
    }

    /**
     * Records that a required key is missing, pointing at the enclosing mapping; says that the
     * section is empty if the key is written without a value, and says nothing if a misspelt key
     * was already reported with this one as its suggestion.
     */
    void missing(String key, String allowed) {
        if (suggested.contains(key)) {
            return;
        }
        if (isWritten(key)) {
            file.problem(keyPositionOf(key), child(key), "the section is empty; " + allowed);
            return;
        }
        file.problem(position(), child(key), "required setting '" + key + "' is missing; " + allowed);
    }

    /** The value node, or null if absent or explicitly null. */
    Node valueNode(String key) {
        NodeTuple tuple = entries.get(key);
        if (tuple == null) {
            return null;
        }
        Node value = tuple.getValueNode();
        if (value instanceof ScalarNode scalar && Tag.NULL.equals(scalar.getTag())) {
            return null;
        }
        return value;
    }

    /** The scalar text of a value after {@code ${VAR}} expansion, or null. */
    String string(String key) {
        Node value = valueNode(key);
        if (value == null) {
            return null;
        }
        return scalarText(value, child(key), "a text value");
    }

    String scalarText(Node value, String valuePath, String expected) {
        if (!(value instanceof ScalarNode scalar)) {
            file.problem(file.position(value), valuePath, "expected " + expected + ", found " + describe(value));
            return null;
        }
        try {
            return file.interpolation().expand(scalar.getValue());
        } catch (Interpolation.UnresolvedException e) {
            file.problem(file.position(value), valuePath, e.getMessage());
            return null;
        }
    }

    String requiredString(String key, String allowed) {
        if (!has(key)) {
            missing(key, allowed);
            return null;
        }
        String text = string(key);
        if (text != null && text.isBlank()) {
            problem(key, "must not be empty; " + allowed);
            return null;
        }
        return text;
    }

    /** A string that must match a pattern; {@code allowed} describes the pattern to the user. */
    String matching(String key, Pattern pattern, String allowed) {
        String text = string(key);
        if (text != null && !pattern.matcher(text).matches()) {
            problem(key, "'" + text + "' is not valid; " + allowed);
            return null;
        }
        return text;
    }

    Integer integer(String key, long min, long max) {
        String text = string(key);
        if (text == null) {
            return null;
        }
        String range = rangeText(min, max);
        if (!INTEGER.matcher(text.trim()).matches()) {
            problem(key, "'" + text + "' is not a whole number; expected an integer" + range);
            return null;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            value = Long.MAX_VALUE;
        }
        if (value < min || value > max) {
            problem(key, text + " is out of range; expected an integer" + range);
            return null;
        }
        return (int) value;
    }

    private static String rangeText(long min, long max) {
        if (max >= Integer.MAX_VALUE) {
            return " >= " + min;
        }
        return " from " + min + " to " + max;
    }

    Double number(String key) {
        Node value = valueNode(key);
        return value == null ? null : number(value, child(key));
    }

    Double number(Node value, String valuePath) {
        String text = scalarText(value, valuePath, "a number");
        if (text == null) {
            return null;
        }
        if (!NUMBER.matcher(text.trim()).matches()) {
            file.problem(file.position(value), valuePath, "'" + text + "' is not a number; expected a decimal "
                    + "number such as 0.9 or 10");
            return null;
        }
        return Double.parseDouble(text.trim());
    }

    Boolean bool(String key) {
        String text = string(key);
        if (text == null) {
            return null;
        }
        return switch (text) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> {
                problem(key, "'" + text + "' is not a boolean; expected true or false");
                yield null;
            }
        };
    }

    /** One of a fixed set of words; the problem lists them and suggests the closest. */
    String choice(String key, List<String> allowed) {
        String text = string(key);
        if (text == null || allowed.contains(text)) {
            return text;
        }
        String suggestion = closest(text, allowed);
        problem(key, "'" + text + "' is not allowed; expected one of " + String.join(", ", allowed)
                + (suggestion != null ? " (did you mean '" + suggestion + "'?)" : ""));
        return null;
    }

    Duration duration(String key) {
        String text = string(key);
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return null;
        }
    }

    /** A nested section with known keys, or null if absent (or not a mapping, recorded). */
    YamlMap map(String key, Iterable<String> knownKeys) {
        Node value = valueNode(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof MappingNode mapping)) {
            problem(key, "expected a mapping (key: value lines), found " + describe(value));
            return null;
        }
        return new YamlMap(file, child(key), mapping, knownKeys);
    }

    /** The items of a list value, or null if absent (or not a list, recorded). */
    List<Node> list(String key) {
        Node value = valueNode(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof SequenceNode sequence)) {
            problem(key, "expected a list (- item lines or [a, b]), found " + describe(value));
            return null;
        }
        return sequence.getValue();
    }

    List<String> stringList(String key) {
        List<Node> items = list(key);
        if (items == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String text = scalarText(items.get(i), child(key) + "[" + i + "]", "a text item");
            if (text != null) {
                out.add(text);
            }
        }
        return out;
    }

    /** Reads one entry of a user-named mapping; the owner gives key positions for name problems. */
    @FunctionalInterface
    interface EntryReader<T> {
        T read(YamlMap owner, String name, Node value);
    }

    /**
     * A user-named mapping whose values are read by {@code reader}; keys keep their order. Entries
     * without a value are an error unless {@code emptyAllowed}, when the reader gets {@code null}.
     */
    <T> Map<String, T> entriesOf(String key, boolean emptyAllowed, EntryReader<T> reader) {
        YamlMap map = map(key, null);
        if (map == null) {
            return null;
        }
        Map<String, T> out = new LinkedHashMap<>();
        for (String name : map.keys()) {
            Node value = map.valueNode(name);
            if (value == null && !emptyAllowed) {
                map.keyProblem(name, "has no value");
                continue;
            }
            T read = reader.read(map, name, value);
            if (read != null) {
                out.put(name, read);
            }
        }
        return out;
    }

    Map<String, String> stringMap(String key) {
        YamlMap map = map(key, null);
        if (map == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : map.keys()) {
            String text = map.string(name);
            if (text != null) {
                out.put(name, text);
            }
        }
        return out;
    }

    /** A mapping as plain Java values (strings, numbers, booleans, lists, maps), e.g. Helm values. */
    Map<String, Object> plainMap(String key) {
        Node value = valueNode(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof MappingNode)) {
            problem(key, "expected a mapping (key: value lines), found " + describe(value));
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = (Map<String, Object>) PlainValues.of(value, child(key), file);
        return plain;
    }

    /** A nested mapping given as a node (for entries of user-named maps and list items). */
    YamlMap asMap(Node value, String valuePath, Iterable<String> knownKeys) {
        if (!(value instanceof MappingNode mapping)) {
            file.problem(file.position(value), valuePath, "expected a mapping (key: value lines), found "
                    + describe(value));
            return null;
        }
        file.remember(valuePath, value);
        return new YamlMap(file, valuePath, mapping, knownKeys);
    }
}
