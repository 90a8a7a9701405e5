package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.image.docker.DockerServingImageBuilder;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving images built by a real Docker engine from the local base image, run and pushed for real. */
class DockerServingImageTest {

    private static final List<String> BUILT = new CopyOnWriteArrayList<>();
    private static TrainedModels models;
    private static DockerClient docker;

    @BeforeAll
    static void prerequisites() {
        TestEnvironment.requireDockerAndBaseImage();
        models = TrainedModels.get();
        docker = DockerClients.create(System.getenv());
    }

    @AfterAll
    static void removeImages() {
        ImageContents.remove(BUILT);
    }

    private static ServingImage image(String model, String name) {
        return image(model, name, TestContexts.context());
    }

    private static ServingImage image(String model, String name, EngineContext context) {
        return ServingImage.forModel(models.config(), model, context)
                .withRepository(TestEnvironment.registry() + "/cd4ml-test/" + name)
                .withTag("{model_version}")
                .withBaseImage(TestEnvironment.baseImage())
                .withBuilder(new DockerServingImageBuilder(docker))
                .withCredentials(RegistryCredentials.NONE);
    }

    private static ImageResult build(ServingImage image) {
        ImageResult result = image.build();
        BUILT.add(result.reference());
        return result;
    }

    @Test
    void buildsFromTheLocalBaseImageAndServesEveryEndpoint() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        ImageResult result = build(image(models.first(), "docker-serve", TestContexts.context(events::add)));

        assertThat(result.builder()).isEqualTo("docker");
        assertThat(result.reference()).endsWith(":" + models.firstVersion());
        assertThat(result.imageId()).startsWith("sha256:");
        assertThat(result.pushed()).isFalse();
        assertThat(result.digest()).isEmpty();
        assertThat(result.sizeBytes()).isGreaterThan(100_000_000L);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.LogLine.class,
                l -> assertThat(l.line()).contains("Successfully built")));

        JsonNode inspect = ImageContents.inspect(result.reference());
        JsonNode labels = inspect.get("Config").get("Labels");
        assertThat(labels.get("io.cd4ml.project").asText()).isEqualTo("iris-classifier");
        assertThat(labels.get("io.cd4ml.model.version").asText()).isEqualTo(models.firstVersion());
        assertThat(labels.get("io.cd4ml.model.digest").asText()).startsWith("sha256:" + models.firstVersion());
        assertThat(Json.mapper().readTree(labels.get("io.cd4ml.model.metrics").asText()).get("accuracy").asDouble())
                .isGreaterThan(0.8);
        assertThat(labels.get("io.cd4ml.backend").asText()).isEqualTo("local");
        assertThat(labels.get("io.cd4ml.run-id").asText()).startsWith("iris-classifier-");
        assertThat(labels.get("org.opencontainers.image.version").asText()).isEqualTo(models.firstVersion());
        assertThat(labels.get("org.opencontainers.image.created").asText()).isNotBlank();
        assertThat(inspect.get("Config").get("User").asText()).isEqualTo("10001:10001");
        assertThat(result.labels()).containsEntry("io.cd4ml.model.version", models.firstVersion());

        try (ServedContainer served = new ServedContainer(models.config(), docker, result.reference(),
                TestEnvironment.freePort())) {
            ServingClient client = new ServingClient(served.port);
            client.awaitReady(served.thread());
            client.checkServesIris("iris-classifier");
            assertThat(served.lines).anySatisfy(l -> assertThat(l).contains("\"event\":\"prediction\"",
                    "\"image\":\"" + result.reference() + "\""));
        }
    }

    @Test
    void aNewModelChangesOnlyTheLastLayer() throws Exception {
        ImageResult first = build(image(models.first(), "docker-layers"));
        ImageResult second = build(image(models.second(), "docker-layers"));

        List<String> a = layers(first.reference());
        List<String> b = layers(second.reference());
        assertThat(b).hasSameSizeAs(a);
        assertThat(b.subList(0, b.size() - 1)).isEqualTo(a.subList(0, a.size() - 1));
        assertThat(b.get(b.size() - 1)).isNotEqualTo(a.get(a.size() - 1));
    }

    @Test
    void pushesWithCredentialsAndKeepsSecretsOutOfLayersLabelsAndEvents() throws Exception {
        String password = TestEnvironment.registryPassword();
        String awsSecret = "wJalrXUtnFEMI-K7MDENG-" + Long.toHexString(System.nanoTime());
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("AWS_SECRET_ACCESS_KEY", awsSecret);
        List<Event> events = new CopyOnWriteArrayList<>();

        ImageResult result = build(image(models.first(), "docker-push", TestContexts.context(env, events::add))
                .withCredentials(RegistryCredentials.explicit(TestEnvironment.registry(),
                        TestEnvironment.registryUser(), password, "the test"))
                .withPush(true));

        assertThat(result.pushed()).isTrue();
        assertThat(result.digest()).hasValueSatisfying(d -> assertThat(d).startsWith("sha256:"));
        assertThat(result.pinnedReference()).isEqualTo(TestEnvironment.registry() + "/cd4ml-test/docker-push@"
                + result.digest().orElseThrow());
        assertThat(ImageContents.registryLayers(result.reference(), TestEnvironment.registryUser(), password))
                .isNotEmpty();
        assertThat(events).anySatisfy(e -> assertThat(e.toString()).contains("pushed"));

        List<String> secrets = List.of(password, awsSecret);
        assertThat(ImageContents.assertNoSecretInAnyLayer(result.reference(), secrets)).isGreaterThan(3);
        String everything = Json.mapper().writeValueAsString(result) + events
                + ImageContents.inspect(result.reference());
        for (String secret : secrets) {
            assertThat(everything.contains(secret)).as("a secret in the result, events or labels").isFalse();
        }
    }

    @Test
    void badCredentialsFailClearlyWithoutThePassword() {
        String wrong = "not-the-password-" + Long.toHexString(System.nanoTime());
        ServingImage image = image(models.first(), "docker-denied").withPush(true)
                .withCredentials(RegistryCredentials.explicit(TestEnvironment.registry(), "intruder", wrong,
                        "--registry-username"));
        assertThatThrownBy(() -> {
            BUILT.add(TestEnvironment.registry() + "/cd4ml-test/docker-denied:" + models.firstVersion());
            image.build();
        }).isInstanceOfSatisfying(Cd4mlException.class, e -> {
            assertThat(e.isUserError()).isFalse();
            assertThat(e.getMessage()).contains("the registry " + TestEnvironment.registry() + " refused the push",
                    "intruder", "--registry-username").doesNotContain(wrong);
            assertThat(e.suggestion()).hasValueSatisfying(s -> assertThat(s).contains("--registry-password-stdin"));
            assertThat(String.valueOf(e.getCause())).doesNotContain(wrong);
        });
    }

    @Test
    void aMissingBaseImageSaysWhatToDo() {
        assertThatThrownBy(() -> image(models.first(), "docker-nobase")
                .withBaseImage("127.0.0.1:1/nowhere/python:0").build())
                .isInstanceOfSatisfying(Cd4mlException.class, e -> assertThat(e.suggestion().orElseThrow())
                        .contains("base image 127.0.0.1:1/nowhere/python:0", "--base-image"));
    }

    @Test
    void aBaseWithoutPipServesWithItsOwnVersionsAndTheServerSaysWhichDiffer(@TempDir Path tmp) throws Exception {
        Path trained = Path.of(URI.create(models.first()));
        ModelManifest manifest = ModelArchive.readManifest(trained);
        String sklearn = manifest.environment().orElseThrow().packages().get("scikit-learn");
        Path other = withEnvironment(trained, manifest.withEnvironment(new ModelManifest.TrainingEnvironment(
                manifest.environment().orElseThrow().python(), Map.of("scikit-learn", "0.0.1"))), tmp);
        List<Event> events = new CopyOnWriteArrayList<>();

        ImageResult result = build(image(other.toString(), "docker-versions", TestContexts.context(events::add)));

        assertThat(logLines(events)).anySatisfy(l -> assertThat(l).contains("cd4ml: no pip in the base image"));
        assertThat(ImageContents.output("docker", "run", "--rm", "--network", "host", "--entrypoint", "cat",
                result.reference(), ServingImageLayout.IMAGE_CONSTRAINTS)).contains("scikit-learn==0.0.1");
        try (ServedContainer served = new ServedContainer(models.config(), docker, result.reference(),
                TestEnvironment.freePort())) {
            ServingClient client = new ServingClient(served.port);
            client.awaitReady(served.thread());
            String mismatch = "scikit-learn: trained with 0.0.1, serving with " + sklearn;
            assertThat(Json.mapper().readTree(client.get("/v2/models/iris-classifier").body())
                    .at("/parameters/version_mismatches").toString()).contains(mismatch);
            assertThat(served.lines).anySatisfy(l -> assertThat(l).contains(mismatch));
        }
    }

    /** A copy of the model archive whose model.json says {@code manifest}. */
    private static Path withEnvironment(Path archive, ModelManifest manifest, Path tmp) throws Exception {
        Path files = tmp.resolve("model");
        ModelArchive.extract(archive, files);
        Files.delete(files.resolve(ModelManifest.FILE_NAME));
        Path copy = tmp.resolve("other/" + ModelArchive.FILE_NAME);
        Files.createDirectories(copy.getParent());
        ModelArchive.write(files, manifest, copy);
        return copy;
    }

    private static List<String> logLines(List<Event> events) {
        return events.stream().filter(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e).line()).toList();
    }

    private static List<String> layers(String image) throws Exception {
        List<String> layers = new ArrayList<>();
        ImageContents.inspect(image).get("RootFS").get("Layers").forEach(l -> layers.add(l.asText()));
        return layers;
    }
}
