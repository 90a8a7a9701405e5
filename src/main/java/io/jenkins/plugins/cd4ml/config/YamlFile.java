package io.jenkins.plugins.cd4ml.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One YAML file being read: the node tree with its marks, the problems found so far, and the
 * positions of the values read.
 *
 * <p>Reading never stops at the first problem; every reader records what it finds here and
 * carries on, so that the user sees all mistakes at once.
 */
final class YamlFile {

    private final Path file;
    private final Interpolation interpolation;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, Position> positions = new LinkedHashMap<>();
    private final Map<String, Position> keyPositions = new LinkedHashMap<>();

    private YamlFile(Path file, Interpolation interpolation) {
        this.file = file;
        this.interpolation = interpolation;
    }

    /**
     * Parses a file into a node tree; a missing file, a syntax error or an empty document is
     * recorded as a problem and gives an empty result.
     */
    static YamlFile open(Path file, Interpolation interpolation) {
        return new YamlFile(file, interpolation);
    }

    Optional<Node> root() {
        if (!Files.isRegularFile(file)) {
            problem(Position.startOf(file), "", "file " + file + " does not exist");
            return Optional.empty();
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // duplicates are reported by YamlMap with both positions
        options.setMaxAliasesForCollections(50);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Node root = new Yaml(options).compose(reader);
            if (root == null) {
                problem(Position.startOf(file), "", "the file is empty; it must be a YAML mapping");
            }
            return Optional.ofNullable(root);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = "";
            if (e.getContext() != null) {
                context = " (" + e.getContext() + (e.getContextMark() != null ? " started at "
                        + position(e.getContextMark()) : "") + ")";
            }
            String hint = what.contains("mapping values are not allowed here")
                    ? "; put a value that contains ': ' in quotes" : "";
            problem(mark == null ? Position.startOf(file) : position(mark), "", "invalid YAML: " + what + hint
                    + context);
            return Optional.empty();
        } catch (IOException e) {
            problem(Position.startOf(file), "", "cannot read the file: " + e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) { // SnakeYAML limits (alias bombs, code point limit)
            problem(Position.startOf(file), "", "cannot parse the file: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The root mapping, or empty (with a problem recorded) if the document is not a mapping. */
    Optional<YamlMap> rootMap(Iterable<String> knownKeys) {
        return root().flatMap(node -> {
            if (node instanceof MappingNode mapping) {
                return Optional.of(new YamlMap(this, "", mapping, knownKeys));
            }
            problem(position(node), "", "the document must be a YAML mapping of settings (key: value), found "
                    + YamlMap.describe(node));
            return Optional.empty();
        });
    }

    Path path() {
        return file;
    }

    Interpolation interpolation() {
        return interpolation;
    }

    Position position(Node node) {
        return position(node.getStartMark());
    }

    Position position(Mark mark) {
        return new Position(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    void remember(String path, Node node) {
        positions.putIfAbsent(path, position(node));
    }

    void rememberKey(String path, Node keyNode) {
        keyPositions.putIfAbsent(path, position(keyNode));
    }

    /** Where a setting's key is written, if it is. */
    Position keyPosition(String path) {
        return keyPositions.get(path);
    }

    void problem(Position position, String path, String message) {
        problems.add(new ConfigProblem(position, path, message));
    }

    List<ConfigProblem> problems() {
        List<ConfigProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt((ConfigProblem p) -> p.position().line())
                .thenComparingInt(p -> p.position().column()));
        return sorted;
    }

    Map<String, Position> positions() {
        return positions;
    }
}
