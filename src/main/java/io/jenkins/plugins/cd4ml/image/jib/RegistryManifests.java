package io.jenkins.plugins.cd4ml.image.jib;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import io.jenkins.plugins.cd4ml.image.ImageBuildRequest;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import java.io.IOException;

/** Reads a pushed image's manifest back from its registry, for the compressed size of its layers. */
final class RegistryManifests {

    private RegistryManifests() {
    }

    /** The sum of the config and layer sizes in the manifest {@code digest} of the pushed image. */
    static long compressedSize(ImageBuildRequest request, String digest, boolean allowHttp)
            throws IOException, RegistryException {
        String reference = request.reference();
        String registry = ImageNames.registry(reference);
        String repository = ImageNames.repository(reference).substring(
                reference.startsWith(registry + "/") ? registry.length() + 1 : 0);
        if (registry.equals(ImageNames.DOCKER_HUB) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        FailoverHttpClient http = new FailoverHttpClient(allowHttp, allowHttp, log -> { });
        try {
            RegistryClient.Factory factory = RegistryClient.factory(EventHandlers.NONE,
                    registry.equals(ImageNames.DOCKER_HUB) ? "registry-1.docker.io" : registry, repository, http)
                    .setUserAgent("cd4ml");
            request.pushCredential().ifPresent(c -> factory.setCredential(Credential.from(c.username(), c.password())));
            RegistryClient client = factory.newRegistryClient();
            if (!client.doPullBearerAuth()) {
                client.configureBasicAuth();
            }
            ManifestTemplate manifest = client.pullManifest(digest).getManifest();
            if (!(manifest instanceof BuildableManifestTemplate buildable)) {
                return 0;
            }
            long size = buildable.getContainerConfiguration().getSize();
            for (BuildableManifestTemplate.ContentDescriptorTemplate layer : buildable.getLayers()) {
                size += layer.getSize();
            }
            return size;
        } finally {
            http.shutDown();
        }
    }
}
