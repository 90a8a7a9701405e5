package io.jenkins.plugins.cd4ml.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The editor schemas ({@code schemas/config.schema.json}, {@code schemas/features.schema.json}, for
 * the YAML language servers of VS Code and IntelliJ) agree with the engine's validator on the whole
 * configuration corpus: every valid file passes the schema, and every invalid one fails it, except
 * the cases marked {@code # schema: cannot tell (why)} — mistakes only the engine can see (a file
 * that must exist, a metric that must be defined elsewhere, a backend limit on a duration) — which
 * the schema must then accept, so the marks stay true.
 */
class EditorSchemaTest {

    static final String CANNOT_TELL = "# schema: cannot tell";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema CONFIG = load("config.schema.json");
    private static final Schema FEATURES = load("features.schema.json");

    private static Schema load(String name) {
        try {
            JsonNode schema = JSON.readTree(TestProjects.repository().resolve("schemas").resolve(name).toFile());
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A YAML file as a language server sees it: YAML 1.2 typing, no ${VAR} expansion; empty if it does not parse. */
    static Optional<JsonNode> asJson(Path file) {
        YamlFile yaml = YamlFile.open(file, Interpolation.NONE);
        Optional<Node> root = yaml.root();
        if (root.isEmpty()) {
            return yaml.problems().stream().anyMatch(p -> p.message().startsWith("the file is empty"))
                    ? Optional.of(JsonNodeFactory.instance.nullNode()) : Optional.empty();
        }
        return Optional.of(toJson(root.get(), yaml));
    }

    private static JsonNode toJson(Node node, YamlFile yaml) {
        if (node instanceof MappingNode mapping) {
            ObjectNode object = JSON.createObjectNode();
            List<NodeTuple> merged = new ArrayList<>();
            for (NodeTuple tuple : mapping.getValue()) {
                ScalarNode key = (ScalarNode) tuple.getKeyNode();
                if (Tag.MERGE.equals(key.getTag()) || key.getValue().equals("<<")) {
                    merged.addAll(((MappingNode) tuple.getValueNode()).getValue());
                } else {
                    object.set(key.getValue(), toJson(tuple.getValueNode(), yaml));
                }
            }
            for (NodeTuple tuple : merged) {
                String key = ((ScalarNode) tuple.getKeyNode()).getValue();
                if (!object.has(key)) {
                    object.set(key, toJson(tuple.getValueNode(), yaml));
                }
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = JSON.createArrayNode();
            sequence.getValue().forEach(item -> array.add(toJson(item, yaml)));
            return array;
        }
        return JSON.valueToTree(PlainValues.of(node, "", yaml));
    }

    private static List<Error> errors(Schema schema, JsonNode document) {
        return schema.validate(document);
    }

    static List<Path> validConfigs() {
        List<Path> files = new ArrayList<>(list(ConfigCorpus.root().resolve("valid-configs")));
        files.add(ConfigCorpus.root().resolve("base/config.yaml"));
        files.add(TestProjects.repository().resolve("examples/iris/config.yaml"));
        files.add(TestProjects.repository().resolve("src/test/resources/script-mode/config.yaml"));
        return files;
    }

    static List<Path> validFeatures() {
        return FeaturesContractTest.validFiles();
    }

    static List<ConfigCorpus.Case> invalidCases() {
        return ConfigCorpus.cases();
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean marked(ConfigCorpus.Case corpusCase) {
        try {
            return Files.readAllLines(corpusCase.file()).stream().anyMatch(line -> line.startsWith(CANNOT_TELL));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validConfigs")
    void aValidConfigPassesTheSchemaAndTheEngine(Path file, @TempDir Path tmp) throws IOException {
        if (!file.getParent().getFileName().toString().equals("iris") && !file.toString().contains("script-mode")) {
            Path project = ConfigCorpus.copyBase(tmp);
            Files.copy(file, project.resolve("config.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            ConfigLoader.forProject(project).withEnvironment(Map.of()).load(); // throws if the engine disagrees
        }
        assertThat(errors(CONFIG, asJson(file).orElseThrow())).as("schema errors in %s", file).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFeatures")
    void aValidFeaturesFilePassesTheSchema(Path file) {
        assertThat(errors(FEATURES, asJson(file).orElseThrow())).as("schema errors in %s", file).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void anInvalidFileFailsTheSchemaUnlessOnlyTheEngineCanTell(ConfigCorpus.Case corpusCase) {
        Schema schema = corpusCase.replacesFeatures() ? FEATURES : CONFIG;
        Optional<JsonNode> document = asJson(corpusCase.file());
        if (marked(corpusCase)) {
            assertThat(document).as("%s does not parse, so the schema can tell", corpusCase).isPresent();
            assertThat(errors(schema, document.get()))
                    .as("%s is marked '%s' but the schema rejects it; remove the mark", corpusCase, CANNOT_TELL)
                    .isEmpty();
        } else {
            // a file that is not YAML is refused by the editor before any schema
            document.ifPresent(json -> assertThat(errors(schema, json))
                    .as("the schema accepts %s, which the engine refuses; tighten the schema or mark the case '%s'",
                            corpusCase, CANNOT_TELL)
                    .isNotEmpty());
        }
    }

    @Test
    void mostInvalidCasesAreCaughtInTheEditor() {
        long marked = invalidCases().stream().filter(EditorSchemaTest::marked).count();
        assertThat(marked).isLessThan(invalidCases().size() / 3);
    }
}
