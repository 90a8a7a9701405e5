package io.jenkins.plugins.cd4ml.image;

import java.util.Map;
import java.util.Optional;

/**
 * The outcome of building a serving image.
 *
 * @param reference the image, {@code repository:tag}
 * @param digest the registry manifest digest ({@code sha256:…}), when the image was pushed
 * @param imageId the image id ({@code sha256:} of its configuration), the same wherever the image is
 * @param sizeBytes the image size (see {@link BuiltImage#sizeBytes()})
 * @param modelVersion the model version baked in
 * @param modelDigest the content digest of the model files
 * @param labels every label the image carries from cd4ml
 * @param builder {@code docker} or {@code jib}
 * @param pushed whether the image was pushed to its registry
 * @param tarball the tarball written, if one was asked for
 * @param durationSeconds wall-clock time of the build (and push)
 */
public record ImageResult(
        String reference,
        Optional<String> digest,
        String imageId,
        long sizeBytes,
        String modelVersion,
        String modelDigest,
        Map<String, String> labels,
        String builder,
        boolean pushed,
        Optional<String> tarball,
        double durationSeconds) {

    /** {@code repository@digest} when pushed (what a deployment should pin), else {@link #reference()}. */
    public String pinnedReference() {
        return digest.map(d -> ImageNames.repository(reference) + "@" + d).orElse(reference);
    }
}
