package io.jenkins.plugins.cd4ml.image;

import java.util.Optional;

/**
 * What a {@link ServingImageBuilder} produced.
 *
 * @param imageId the image id ({@code sha256:} of its configuration)
 * @param digest the registry manifest digest, when the image was pushed
 * @param sizeBytes the image size: as the Docker daemon reports it when the image is there,
 *     else the compressed size of its layers in the registry, else the tarball's size
 * @param tarball the tarball written, if one was asked for
 */
public record BuiltImage(String reference, String imageId, Optional<String> digest, long sizeBytes, boolean pushed,
        Optional<String> tarball) {
}
