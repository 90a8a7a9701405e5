package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Looks inside built images with the real tools: docker save, docker inspect, skopeo. */
final class ImageContents {

    private ImageContents() {
    }

    /**
     * Exports the image with {@code docker save} and checks that no entry (every layer tar, the
     * config, the manifest) contains any of {@code secrets}.
     *
     * @return how many entries were scanned
     */
    static int assertNoSecretInAnyLayer(String image, List<String> secrets) throws Exception {
        Process save = new ProcessBuilder("docker", "save", image).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        int scanned = 0;
        List<String> found = new ArrayList<>();
        try (InputStream in = save.getInputStream(); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                scanned++;
                for (String hit : scan(tar, secrets)) {
                    found.add(entry.getName() + " contains secret #" + secrets.indexOf(hit));
                }
            }
        }
        assertThat(save.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(save.exitValue()).as("docker save " + image).isZero();
        assertThat(found).as("secrets in the layers of " + image).isEmpty();
        return scanned;
    }

    /** Which of {@code secrets} occur in the stream (read in chunks with overlap, never whole). */
    private static List<String> scan(InputStream in, List<String> secrets) throws IOException {
        int longest = secrets.stream().mapToInt(s -> s.getBytes(StandardCharsets.UTF_8).length).max().orElse(1);
        byte[] buffer = new byte[1 << 20];
        byte[] carry = new byte[0];
        List<String> hits = new ArrayList<>();
        int n;
        while ((n = in.read(buffer)) > 0) {
            byte[] window = new byte[carry.length + n];
            System.arraycopy(carry, 0, window, 0, carry.length);
            System.arraycopy(buffer, 0, window, carry.length, n);
            String text = new String(window, StandardCharsets.ISO_8859_1);
            for (String secret : secrets) {
                if (!hits.contains(secret) && text.contains(new String(secret.getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1))) {
                    hits.add(secret);
                }
            }
            int keep = Math.min(window.length, longest - 1);
            carry = new byte[keep];
            System.arraycopy(window, window.length - keep, carry, 0, keep);
        }
        return hits;
    }

    /** {@code docker inspect} of an image, as JSON. */
    static JsonNode inspect(String image) throws Exception {
        return Json.mapper().readTree(output("docker", "image", "inspect", image)).get(0);
    }

    /** The layer digests of an image in a registry, from {@code skopeo inspect}. */
    static List<String> registryLayers(String image, String user, String password) throws Exception {
        Path auth = Files.createTempFile("cd4ml-skopeo-", ".json");
        try {
            String registry = ImageNames.registry(image);
            String token = java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            Files.writeString(auth, "{\"auths\": {\"" + registry + "\": {\"auth\": \"" + token + "\"}}}");
            JsonNode json = Json.mapper().readTree(output("skopeo", "inspect", "--tls-verify=false", "--authfile",
                    auth.toString(), "docker://" + image));
            List<String> layers = new ArrayList<>();
            json.get("Layers").forEach(l -> layers.add(l.asText()));
            return layers;
        } finally {
            Files.deleteIfExists(auth);
        }
    }

    static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command.length > 2 ? List.of(command).subList(0, 3)
                : List.of(command)) + " failed").isZero();
        return out;
    }

    /** Removes images quietly (test clean-up). */
    static void remove(List<String> images) {
        for (String image : images) {
            try {
                new ProcessBuilder("docker", "image", "rm", "-f", image).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
            } catch (IOException e) {
                // nothing to clean
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
