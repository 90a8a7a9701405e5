package io.jenkins.plugins.cd4ml.image;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a {@link ServingImageBuilder} needs for one image.
 *
 * @param reference the image to produce, {@code repository:tag}
 * @param context the build context: {@code Dockerfile}, {@code requirements.txt}, {@code app/},
 *     {@code model/} (see {@link ServingImageLayout}); files world-readable, fixed times
 * @param labels the image labels (OCI and {@code io.cd4ml.*})
 * @param created the image's creation time
 * @param push whether to push {@code reference} to its registry
 * @param tarball where to write the image as a {@code docker load}-able tarball instead, if set
 * @param pushCredential the credential for the registry of {@code reference}, if any
 * @param baseCredential the credential for the base image's registry, if any
 * @param pipIndexUrl a Python package index for the image's {@code pip install} (never with credentials)
 * @param projectRequirements the project's own requirement lines (from its {@code requirements.txt})
 * @param noCache build every layer afresh (docker: no build cache; jib: empty layer caches)
 */
public record ImageBuildRequest(
        String reference,
        Path context,
        BaseImage baseImage,
        Map<String, String> labels,
        Instant created,
        boolean push,
        Optional<Path> tarball,
        Optional<RegistryCredential> pushCredential,
        Optional<RegistryCredential> baseCredential,
        Optional<String> pipIndexUrl,
        List<String> projectRequirements,
        boolean noCache) {

    /** The registry {@link #reference} lives in. */
    public String registry() {
        return ImageNames.registry(reference);
    }
}
