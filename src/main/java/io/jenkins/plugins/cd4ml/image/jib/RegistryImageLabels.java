package io.jenkins.plugins.cd4ml.image.jib;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import io.jenkins.plugins.cd4ml.image.RegistryCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an image's labels from its registry (the image configuration's {@code Labels}), without a
 * Docker daemon: what {@code skopeo inspect} shows, through Jib's registry client. Plain HTTP only
 * for registries on this machine.
 */
public final class RegistryImageLabels {

    private RegistryImageLabels() {
    }

    /**
     * The labels of {@code repository} at {@code tagOrDigest} ({@code sha256:…} or a tag); a
     * multi-platform index is read at its linux/amd64 image, else its first.
     *
     * @param repository the repository with its registry, e.g. {@code localhost:5000/team/iris}
     * @throws IOException when the registry cannot be reached or refuses
     */
    public static Map<String, String> read(String repository, String tagOrDigest, RegistryCredentials credentials)
            throws IOException {
        String registry = ImageNames.registry(repository);
        String path = repository.startsWith(registry + "/") ? repository.substring(registry.length() + 1) : repository;
        if (registry.equals(ImageNames.DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        boolean local = ImageNames.isLocal(registry);
        FailoverHttpClient http = new FailoverHttpClient(local, local, log -> { });
        try {
            RegistryClient.Factory factory = RegistryClient.factory(EventHandlers.NONE,
                    registry.equals(ImageNames.DOCKER_HUB) ? "registry-1.docker.io" : registry, path, http)
                    .setUserAgent("cd4ml");
            credentials.find(registry).ifPresent(c -> factory.setCredential(Credential.from(c.username(),
                    c.password())));
            RegistryClient client = factory.newRegistryClient();
            if (!client.doPullBearerAuth()) {
                client.configureBasicAuth();
            }
            ManifestTemplate manifest = client.pullManifest(tagOrDigest).getManifest();
            if (manifest instanceof ManifestListTemplate index) {
                List<String> digests = index.getDigestsForPlatform("amd64", "linux");
                if (digests.isEmpty()) {
                    throw new IOException(repository + ":" + tagOrDigest + " is an index without a linux/amd64 image");
                }
                manifest = client.pullManifest(digests.get(0)).getManifest();
            }
            if (!(manifest instanceof BuildableManifestTemplate image) || image.getContainerConfiguration() == null) {
                throw new IOException(repository + ":" + tagOrDigest + " has no image configuration");
            }
            DescriptorDigest config = image.getContainerConfiguration().getDigest();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            client.pullBlob(config, size -> { }, written -> { }).writeTo(bytes);
            JsonNode labels = Json.mapper().readTree(bytes.toByteArray()).path("config").path("Labels");
            Map<String, String> result = new LinkedHashMap<>();
            labels.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
            return result;
        } catch (RegistryException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            http.shutDown();
        }
    }
}
