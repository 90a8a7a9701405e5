package io.jenkins.plugins.cd4ml.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One {@code features.yaml} contract: every file of the shared corpus gets the same verdict from
 * the engine's validator ({@link FeaturesReader}, what {@code cd4ml validate} runs) and from the
 * model server's ({@code cd4ml_serving/features.py}, what the server runs at start), and valid
 * files read as the same features on both sides.
 *
 * <p>The corpus: {@code config-corpus/valid-features/*.yaml}, the valid features files of the
 * corpus base project and the iris example, and every {@code config-corpus/invalid/*.features.yaml}
 * whose expected problems are in {@code features.yaml} (the server sees only that file).
 */
class FeaturesContractTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<Path, JsonNode> serverVerdicts;

    static List<Path> validFiles() {
        List<Path> files = new ArrayList<>(list(ConfigCorpus.root().resolve("valid-features")));
        files.add(ConfigCorpus.root().resolve("base/features.yaml"));
        files.add(TestProjects.repository().resolve("examples/iris/features.yaml"));
        return files;
    }

    static List<Path> invalidFiles() {
        return ConfigCorpus.cases().stream()
                .filter(ConfigCorpus.Case::replacesFeatures)
                .filter(c -> c.expected().stream().anyMatch(line -> line.startsWith("features.yaml:")))
                .map(ConfigCorpus.Case::file)
                .toList();
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the server's validator once over the whole corpus: one JSON verdict per file. */
    @BeforeAll
    static void askTheServer() throws Exception {
        TestProjects.requirePythonMl();
        List<String> command = new ArrayList<>(List.of(PYTHON, "-m", "cd4ml_serving.features"));
        Stream.concat(validFiles().stream(), invalidFiles().stream()).forEach(f -> command.add(f.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("PYTHONPATH",
                TestProjects.repository().resolve("resources/dockerfiles/serving/app").toString());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("python -m cd4ml_serving.features:%n%s", out).isZero();
        serverVerdicts = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                JsonNode verdict = JSON.readTree(line);
                serverVerdicts.put(Path.of(verdict.get("file").asText()), verdict);
            }
        }
    }

    private static YamlFile engineRead(Path file, List<Features> into) {
        YamlFile yaml = YamlFile.open(file, Interpolation.NONE);
        Features features = FeaturesReader.read(yaml);
        if (features != null) {
            into.add(features);
        }
        return yaml;
    }

    /** The engine's reading in the server's {@code Feature.to_json()} form. */
    private static ArrayNode asJson(Features features) {
        ArrayNode array = JSON.createArrayNode();
        for (Features.Feature f : features.features()) {
            ObjectNode node = array.addObject();
            node.put("name", f.name());
            node.put("type", f.type().configName());
            node.put("required", f.required());
            node.set("min", f.min().<JsonNode>map(JSON.getNodeFactory()::numberNode).orElse(JSON.nullNode()));
            node.set("max", f.max().<JsonNode>map(JSON.getNodeFactory()::numberNode).orElse(JSON.nullNode()));
            node.set("enum", f.enumValues().isEmpty() ? JSON.nullNode() : JSON.valueToTree(f.enumValues()));
            node.set("description", f.description().<JsonNode>map(JSON.getNodeFactory()::textNode)
                    .orElse(JSON.nullNode()));
            node.set("example", JSON.valueToTree(f.example().orElse(null)));
        }
        return array;
    }

    /** Numbers compared by value (the server writes 0 where the engine keeps 0.0). */
    private static JsonNode numbersAsDoubles(JsonNode node) {
        if (node.isNumber()) {
            return JSON.getNodeFactory().numberNode(node.doubleValue());
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(item -> out.add(numbersAsDoubles(item)));
            return out;
        }
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            node.fields().forEachRemaining(e -> out.set(e.getKey(), numbersAsDoubles(e.getValue())));
            return out;
        }
        return node;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFiles")
    void aValidFileIsValidOnBothSidesAndReadsTheSame(Path file) {
        List<Features> read = new ArrayList<>();
        YamlFile yaml = engineRead(file, read);
        JsonNode server = serverVerdicts.get(file);

        assertThat(yaml.problems()).as("engine problems in %s", file).isEmpty();
        assertThat(server.get("valid").asBoolean()).as("server verdict on %s: %s", file, server).isTrue();
        assertThat(numbersAsDoubles(asJson(read.get(0))))
                .as("engine and server read %s alike", file)
                .isEqualTo(numbersAsDoubles(server.get("features")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void anInvalidFileIsInvalidOnBothSides(Path file) {
        YamlFile yaml = engineRead(file, new ArrayList<>());
        JsonNode server = serverVerdicts.get(file);

        assertThat(yaml.problems()).as("engine problems in %s", file).isNotEmpty();
        assertThat(server.get("valid").asBoolean()).as("server verdict on %s: %s", file, server).isFalse();
    }

    @Test
    void theCorpusCoversBothVerdictsAndTheCaseOfTheReview() {
        assertThat(validFiles()).hasSizeGreaterThanOrEqualTo(7);
        assertThat(invalidFiles()).hasSizeGreaterThanOrEqualTo(15);
        // the review's example: enum [yes, no] on a str feature passed validate and stopped the server
        assertThat(validFiles()).anySatisfy(f -> assertThat(f.getFileName().toString())
                .isEqualTo("02-yes-and-no-are-text.yaml"));
    }
}
