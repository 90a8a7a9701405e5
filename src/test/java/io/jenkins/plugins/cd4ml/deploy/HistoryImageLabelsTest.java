package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.V22ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cd4ml history} joins the release's revisions with the model labels of the images they
 * ran, read from the real test registry on 127.0.0.1:5000 (with its htpasswd credentials).
 */
class HistoryImageLabelsTest {

    @TempDir
    Path dir;

    /** Pushes an image without layers whose configuration carries {@code labels}; returns its manifest digest. */
    static String push(String repository, String tag, Map<String, String> labels) throws Exception {
        String registry = TestEnvironment.registry();
        StringBuilder json = new StringBuilder("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{");
        String separator = "";
        for (Map.Entry<String, String> label : labels.entrySet()) {
            json.append(separator).append('"').append(label.getKey()).append("\":\"")
                    .append(label.getValue().replace("\"", "\\\"")).append('"');
            separator = ",";
        }
        json.append("}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        byte[] config = json.toString().getBytes(StandardCharsets.UTF_8);
        DescriptorDigest configDigest = DescriptorDigest.fromHash(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(config)));
        FailoverHttpClient http = new FailoverHttpClient(true, true, log -> { });
        try {
            RegistryClient client = RegistryClient.factory(EventHandlers.NONE, registry, repository, http)
                    .setCredential(Credential.from(TestEnvironment.registryUser(), TestEnvironment.registryPassword()))
                    .newRegistryClient();
            if (!client.doPushBearerAuth()) {
                client.configureBasicAuth();
            }
            client.pushBlob(configDigest, Blobs.from(new String(config, StandardCharsets.UTF_8)), null, n -> { });
            V22ManifestTemplate manifest = new V22ManifestTemplate();
            manifest.setContainerConfiguration(config.length, configDigest);
            return client.pushManifest(manifest, tag).toString();
        } finally {
            http.shutDown();
        }
    }

    @Test
    void eachRevisionsMetricsComeFromTheLabelsOfTheImageItRanInTheRegistry() throws Exception {
        String repository = "cd4ml-test/history-" + Long.toHexString(System.nanoTime());
        String digest1 = push(repository, "1", Map.of("io.cd4ml.model.version", "aaaaaaaaaaaa",
                "io.cd4ml.model.metrics", "{\"accuracy\":0.9333,\"f1_macro\":0.93}"));
        String digest2 = push(repository, "2", Map.of("io.cd4ml.model.version", "bbbbbbbbbbbb",
                "io.cd4ml.model.metrics", "{\"accuracy\":0.9667}"));
        String full = TestEnvironment.registry() + "/" + repository;
        RecordingReleases releases = new RecordingReleases();
        releases.seed("superseded", values(full, "1", digest1, "aaaaaaaaaaaa"), "Install complete");
        releases.seed("deployed", values(full, "2", digest2, "bbbbbbbbbbbb"), "Upgrade complete");
        releases.seed("failed", values(full, "3", "sha256:" + "00".repeat(32), "cccccccccccc"), "Upgrade failed");
        ProjectConfig config = DeployProjects.iris(dir.resolve("p"), "deploy:\n  target: helm\n  namespace: ml\n");
        List<Event> events = new CopyOnWriteArrayList<>();
        Map<String, String> environment = Map.of("CD4ML_REGISTRY_USERNAME", TestEnvironment.registryUser(),
                "CD4ML_REGISTRY_PASSWORD", TestEnvironment.registryPassword(), "HOME", dir.toString());

        HistoryResult history = Deployer.forProject(config, TestContexts.context(environment, events::add))
                .withReleases(releases).withCluster(DeployProjects.access("ml"))
                .history(Optional.empty(), version -> version.equals("cccccccccccc") ? Map.of("accuracy", 0.5)
                        : Map.of());

        assertThat(history.revisions()).hasSize(3);
        assertThat(history.revisions().get(0).metrics()).isEqualTo(Map.of("accuracy", 0.9333, "f1_macro", 0.93));
        assertThat(history.revisions().get(1).metrics()).isEqualTo(Map.of("accuracy", 0.9667));
        assertThat(history.revisions().get(1).image()).isEqualTo(full + "@" + digest2);
        // an image the registry does not have: said once, and the model store answers
        assertThat(history.revisions().get(2).metrics()).isEqualTo(Map.of("accuracy", 0.5));
        assertThat(events).filteredOn(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING)
                .hasSize(1).first().asString().contains("cannot read the labels of " + full + "@sha256:00");
        assertThat(history.servingAt().modelVersion()).isEqualTo("bbbbbbbbbbbb");
        assertThat(events.toString()).doesNotContain(TestEnvironment.registryPassword());
    }

    private static Map<String, Object> values(String repository, String tag, String digest, String version) {
        return Map.of("image", Map.of("repository", repository, "tag", tag, "digest", digest),
                "model", Map.of("version", version));
    }
}
