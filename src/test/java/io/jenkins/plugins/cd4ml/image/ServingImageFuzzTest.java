package io.jenkins.plugins.cd4ml.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.image.docker.DockerServingImageBuilder;
import io.jenkins.plugins.cd4ml.testing.HeadlessChromium;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real serving image (the iris example, built by the engine through a real Docker daemon and
 * run with host networking) against the malformed-request corpus of the serving app's tests
 * ({@code tests/resources/fuzz-corpus.jsonl}, sent by {@code tests/fuzz_runner.py}): no 5xx, a
 * bounded JSON answer to each, the server live afterwards; and {@code /docs} served offline.
 */
class ServingImageFuzzTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String RUNNER = "resources/dockerfiles/serving/tests/fuzz_runner.py";
    private static final Pattern ASSET_URL = Pattern.compile("(?:src|href)=\"([^\"]*)\"");

    private static DockerClient docker;
    private static TrainedModels models;
    private static String image;

    @BeforeAll
    static void buildTheImage() {
        TestEnvironment.requireDockerAndBaseImage();
        models = TrainedModels.get();
        docker = DockerClients.create(System.getenv());
        image = ServingImage.forModel(models.config(), models.first(), TestContexts.context())
                .withRepository(TestEnvironment.registry() + "/cd4ml-test/docker-fuzz")
                .withTag("{model_version}")
                .withBaseImage(TestEnvironment.baseImage())
                .withBuilder(new DockerServingImageBuilder(docker))
                .withCredentials(RegistryCredentials.NONE)
                .build().reference();
    }

    @AfterAll
    static void removeTheImage() {
        if (image != null) {
            ImageContents.remove(List.of(image));
        }
    }

    @Test
    void everyMalformedRequestGetsABoundedJson4xxAndTheServerStaysLive() throws Exception {
        Path repo = Path.of(System.getProperty("cd4ml.repo", System.getProperty("user.dir")));
        assertThat(repo.resolve(RUNNER)).isRegularFile();
        assertThat(Files.isExecutable(Path.of(PYTHON)))
                .withFailMessage("%s not found; the fuzz runner needs Debian's Python 3 (apt-get install python3)", PYTHON)
                .isTrue();
        try (ServedContainer served = new ServedContainer(models.config(), docker, image, TestEnvironment.freePort())) {
            new ServingClient(served.port).awaitReady(served.thread());

            List<String> output = new ArrayList<>();
            int exit = run(repo, List.of(PYTHON, RUNNER, "--url", "http://127.0.0.1:" + served.port), output);

            assertThat(exit).withFailMessage("the fuzz runner found problems (exit %d):%n%s", exit,
                    String.join("\n", output)).isZero();
            JsonNode summary = Json.mapper().readTree(output.get(output.size() - 1));
            assertThat(summary.get("failures").asInt()).isZero();
            assertThat(summary.get("cases").asInt()).isGreaterThanOrEqualTo(600);
            int clientErrors = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = summary.get("statuses").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> status = it.next();
                assertThat(status.getKey()).as("status answered").doesNotStartWith("5");
                if (status.getKey().startsWith("4")) {
                    clientErrors += status.getValue().asInt();
                }
            }
            assertThat(clientErrors).isGreaterThanOrEqualTo(500);
            assertThat(served.lines).noneSatisfy(l -> assertThat(l).contains("Traceback"));
        }
    }

    @Test
    void docsRenderFromTheImageAlone() throws Exception {
        HeadlessChromium.require();
        try (ServedContainer served = new ServedContainer(models.config(), docker, image, TestEnvironment.freePort())) {
            ServingClient client = new ServingClient(served.port);
            client.awaitReady(served.thread());

            ServingClient.Reply page = client.get("/docs");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.body()).doesNotContain("http://", "https://");
            Matcher urls = ASSET_URL.matcher(page.body());
            int assets = 0;
            while (urls.find()) {
                assertThat(urls.group(1)).startsWith("/docs/assets/");
                assertThat(client.get(urls.group(1)).status()).as(urls.group(1)).isEqualTo(200);
                assets++;
            }
            assertThat(assets).isEqualTo(3);

            try (HeadlessChromium chromium = HeadlessChromium.start()) {
                chromium.open("http://127.0.0.1:" + served.port + "/docs");
                List<Integer> operations = List.of();
                for (int i = 0; i < 100 && operations.size() < 12; i++) {
                    operations = chromium.select(".opblock-summary-path");
                    Thread.sleep(100);
                }
                assertThat(operations).as("operations rendered by Swagger UI; browser log: %s", chromium.log())
                        .hasSizeGreaterThanOrEqualTo(12);
            }
        }
    }

    private static int run(Path directory, List<String> command, List<String> output) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                System.out.println(line);
                output.add(line);
            }
        }
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return process.exitValue();
    }
}
