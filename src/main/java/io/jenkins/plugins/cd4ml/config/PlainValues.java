package io.jenkins.plugins.cd4ml.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns free-form YAML (hyperparameters, raw Helm values) into plain Java values with
 * {@code ${VAR}} expansion, using YAML 1.2 core-schema typing: {@code true}/{@code false} are
 * booleans, numbers are numbers, everything else (including {@code yes}, {@code off}) is text.
 */
final class PlainValues {

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?"
            + "|[-+]?[0-9]+[eE][-+]?[0-9]+");

    private PlainValues() {
    }

    static Object of(Node node, String path, YamlFile file) {
        if (node instanceof MappingNode mapping) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key) {
                    out.put(key.getValue(), of(tuple.getValueNode(), path + "." + key.getValue(), file));
                } else {
                    file.problem(file.position(tuple.getKeyNode()), path, "keys must be plain names");
                }
            }
            return out;
        }
        if (node instanceof SequenceNode sequence) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < sequence.getValue().size(); i++) {
                out.add(of(sequence.getValue().get(i), path + "[" + i + "]", file));
            }
            return out;
        }
        ScalarNode scalar = (ScalarNode) node;
        if (Tag.NULL.equals(scalar.getTag())) {
            return null;
        }
        String text;
        try {
            text = file.interpolation().expand(scalar.getValue());
        } catch (Interpolation.UnresolvedException e) {
            file.problem(file.position(node), path, e.getMessage());
            return null;
        }
        if (!scalar.isPlain()) {
            return text; // quoted: the user asked for text
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.valueOf(text);
        }
        if (INTEGER.matcher(text).matches()) {
            try {
                return Long.valueOf(text);
            } catch (NumberFormatException e) {
                return text;
            }
        }
        if (DECIMAL.matcher(text).matches()) {
            return Double.valueOf(text);
        }
        return text;
    }
}
