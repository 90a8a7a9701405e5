package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.image.jib.JibDockerClients;
import io.jenkins.plugins.cd4ml.image.jib.JibServingImageBuilder;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving images built by Jib without the Docker daemon, pushed to the local registry with htpasswd
 * auth, pulled back with the Docker engine and run.
 */
class JibServingImageTest {

    private static final List<String> PULLED = new CopyOnWriteArrayList<>();
    private static TrainedModels models;
    private static DockerClient docker;
    private static String registryBase;

    @BeforeAll
    static void prerequisites() throws Exception {
        TestEnvironment.requireDockerAndBaseImage();
        models = TrainedModels.get();
        docker = DockerClients.create(System.getenv());
        registryBase = TestEnvironment.registry() + "/" + TestEnvironment.baseImage();
        copyBaseImageToTheRegistry();
    }

    @AfterAll
    static void removeImages() {
        ImageContents.remove(PULLED);
    }

    /** Jib cannot install packages, so its base must already be the Python base, here from the registry. */
    private static void copyBaseImageToTheRegistry() throws Exception {
        Path auth = Files.createTempFile("cd4ml-auth-", ".json");
        try {
            Files.writeString(auth, dockerConfigJson());
            Process p = new ProcessBuilder("skopeo", "copy", "--dest-tls-verify=false", "--dest-authfile",
                    auth.toString(), "docker-daemon:" + TestEnvironment.baseImage(), "docker://" + registryBase)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as("skopeo copy of the base image to the registry: " + out
                    + "\nrun scripts/setup-env").isZero();
        } finally {
            Files.deleteIfExists(auth);
        }
    }

    /** A Docker config (or skopeo auth file) holding the test registry's account: write it only where it is deleted. */
    private static String dockerConfigJson() {
        String token = Base64.getEncoder().encodeToString((TestEnvironment.registryUser() + ":"
                + TestEnvironment.registryPassword()).getBytes(StandardCharsets.UTF_8));
        return "{\"auths\": {\"" + TestEnvironment.registry() + "\": {\"auth\": \"" + token + "\"}}}";
    }

    private static RegistryCredentials testCredentials() {
        return RegistryCredentials.explicit(TestEnvironment.registry(), TestEnvironment.registryUser(),
                TestEnvironment.registryPassword(), "the test");
    }

    private static ServingImage image(String model, String name) {
        return image(model, name, TestContexts.context());
    }

    private static ServingImage image(String model, String name, EngineContext context) {
        return ServingImage.forModel(models.config(), model, context)
                .withRepository(TestEnvironment.registry() + "/cd4ml-test/" + name)
                .withTag("{model_version}")
                .withBaseImage("registry://" + registryBase)
                .withBuilder(new JibServingImageBuilder())
                .withCredentials(testCredentials())
                .withPush(true);
    }

    @Test
    void pushesWithAuthAndThePulledImageServesWithoutSecrets() throws Exception {
        String awsSecret = "wJalrXUtnFEMI-K7MDENG-" + Long.toHexString(System.nanoTime());
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("AWS_SECRET_ACCESS_KEY", awsSecret);
        List<Event> events = new CopyOnWriteArrayList<>();
        Set<String> propertyWhilePushing = ConcurrentHashMap.newKeySet();
        ImageResult result = image(models.first(), "jib-serve", TestContexts.context(env, event -> {
            if (event instanceof Event.LogLine line && line.line().matches("\\d+%.*")) { // Jib's steps' progress
                propertyWhilePushing.add(String.valueOf(System.getProperty("sendCredentialsOverHttp")));
            }
            events.add(event);
        })).build();

        assertThat(result.builder()).isEqualTo("jib");
        assertThat(result.pushed()).as("with credentials over plain HTTP, to the registry on this machine").isTrue();
        assertThat(propertyWhilePushing).as("Jib's JVM-wide property, as anything else sees it while the build "
                + "pulls and pushes").containsExactly("null");
        assertThat(System.getProperty("sendCredentialsOverHttp")).isNull();
        assertThat(result.digest()).hasValueSatisfying(d -> assertThat(d).startsWith("sha256:"));
        assertThat(result.sizeBytes()).isGreaterThan(50_000_000L);
        assertThat(events).anySatisfy(e -> assertThat(e.toString()).contains("pushed"));

        pull(result.reference());
        JsonNode inspect = ImageContents.inspect(result.reference());
        assertThat(inspect.get("RepoDigests").toString()).contains(result.digest().orElseThrow());
        JsonNode config = inspect.get("Config");
        assertThat(config.get("User").asText()).isEqualTo("10001:10001");
        assertThat(config.get("Labels").get("io.cd4ml.model.version").asText()).isEqualTo(models.firstVersion());
        assertThat(config.get("Entrypoint").toString()).isEqualTo("[\"python3\",\"-m\",\"cd4ml_serving\"]");
        assertThat(config.get("Env").toString()).contains("CD4ML_MODEL_DIR=/opt/ml/model", "PATH=");

        try (ServedContainer served = new ServedContainer(models.config(), docker, result.reference(),
                TestEnvironment.freePort())) {
            ServingClient client = new ServingClient(served.port);
            client.awaitReady(served.thread());
            client.checkServesIris("iris-classifier");
        }

        List<String> secrets = List.of(TestEnvironment.registryPassword(), awsSecret);
        ImageContents.assertNoSecretInAnyLayer(result.reference(), secrets);
        String everything = Json.mapper().writeValueAsString(result) + events + inspect;
        for (String secret : secrets) {
            assertThat(everything.contains(secret)).as("a secret in the result, events or labels").isFalse();
        }
    }

    @Test
    void aNewModelChangesOnlyTheModelLayer() throws Exception {
        ImageResult first = image(models.first(), "jib-layers").build();
        ImageResult second = image(models.second(), "jib-layers").build();

        List<String> a = ImageContents.registryLayers(first.reference(), TestEnvironment.registryUser(),
                TestEnvironment.registryPassword());
        List<String> b = ImageContents.registryLayers(second.reference(), TestEnvironment.registryUser(),
                TestEnvironment.registryPassword());
        List<String> base = ImageContents.registryLayers(registryBase, TestEnvironment.registryUser(),
                TestEnvironment.registryPassword());
        assertThat(a).hasSize(base.size() + 3).startsWith(base.toArray(String[]::new));
        assertThat(b).hasSameSizeAs(a);
        assertThat(b.subList(0, b.size() - 1)).isEqualTo(a.subList(0, a.size() - 1));
        assertThat(b.get(b.size() - 1)).isNotEqualTo(a.get(a.size() - 1));
    }

    @Test
    void badCredentialsFailClearlyWithoutThePassword() {
        String wrong = "not-the-password-" + Long.toHexString(System.nanoTime());
        ServingImage image = image(models.first(), "jib-denied").withCredentials(RegistryCredentials.explicit(
                TestEnvironment.registry(), "intruder", wrong, "CD4ML_REGISTRY_USERNAME/CD4ML_REGISTRY_PASSWORD"));
        assertThatThrownBy(image::build).isInstanceOfSatisfying(Cd4mlException.class, e -> {
            assertThat(e.getMessage()).contains("the registry " + TestEnvironment.registry() + " refused",
                    "intruder", "CD4ML_REGISTRY_USERNAME").doesNotContain(wrong);
            assertThat(e.suggestion().orElseThrow()).contains("docker login " + TestEnvironment.registry());
            assertThat(String.valueOf(e.getCause())).doesNotContain(wrong);
        });
    }

    @Test
    void readsCredentialsFromTheDockerConfig(@TempDir Path dockerConfig) throws Exception {
        Files.writeString(dockerConfig.resolve("config.json"), dockerConfigJson());
        RegistryCredentials fromConfig = RegistryCredentials.defaults(TestEnvironment.registry(),
                Map.of("DOCKER_CONFIG", dockerConfig.toString()));
        assertThat(fromConfig.find(TestEnvironment.registry())).hasValueSatisfying(c -> {
            assertThat(c.username()).isEqualTo(TestEnvironment.registryUser());
            assertThat(c.source()).contains(dockerConfig.toString());
            assertThat(c.toString()).doesNotContain(TestEnvironment.registryPassword());
        });
        ImageResult result = image(models.first(), "jib-docker-config").withCredentials(fromConfig).build();
        assertThat(result.pushed()).isTrue();
    }

    @Test
    void writesADockerLoadableTarballFromADaemonBase(@TempDir Path dir) throws Exception {
        JibServingImageBuilder jib = new JibServingImageBuilder(JibDockerClients.cli(System.getenv()).orElseThrow());
        Path tarball = dir.resolve("iris.tar");
        ImageResult result = ServingImage.forModel(models.config(), models.first(), TestContexts.context())
                .withRepository("cd4ml-test/jib-tarball").withTag("{model_version}")
                .withBaseImage("docker://" + TestEnvironment.baseImage()).withBuilder(jib).withTarball(tarball)
                .withCredentials(RegistryCredentials.NONE).build();
        assertThat(result.tarball()).contains(tarball.toString());
        assertThat(result.sizeBytes()).isEqualTo(Files.size(tarball));
        PULLED.add(result.reference());
        String loaded = ImageContents.output("docker", "load", "-i", tarball.toString());
        assertThat(loaded).contains(result.reference());
        assertThat(ImageContents.inspect(result.reference()).get("Id").asText()).isEqualTo(result.imageId());
    }

    private static void pull(String reference) throws Exception {
        PULLED.add(reference);
        docker.pullImageCmd(ImageNames.repository(reference)).withTag(ImageNames.tag(reference))
                .withAuthConfig(new AuthConfig().withUsername(TestEnvironment.registryUser())
                        .withPassword(TestEnvironment.registryPassword())
                        .withRegistryAddress(TestEnvironment.registry()))
                .exec(new ResultCallback.Adapter<PullResponseItem>()).awaitCompletion(5, TimeUnit.MINUTES);
    }
}
