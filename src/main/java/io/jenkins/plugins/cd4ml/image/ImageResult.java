package io.jenkins.plugins.cd4ml.image;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of building a serving image. Serializable (it crosses the Jenkins
 * controller/agent channel); absent values are null fields behind {@link Optional} accessors.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
public final class ImageResult implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String reference;
    private final String digest;
    private final String imageId;
    private final long sizeBytes;
    private final String modelVersion;
    private final String modelDigest;
    private final Map<String, String> labels;
    private final String builder;
    private final boolean pushed;
    private final String tarball;
    private final double durationSeconds;

    /**
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
    public ImageResult(String reference, Optional<String> digest, String imageId, long sizeBytes, String modelVersion,
            String modelDigest, Map<String, String> labels, String builder, boolean pushed, Optional<String> tarball,
            double durationSeconds) {
        this.reference = reference;
        this.digest = digest.orElse(null);
        this.imageId = imageId;
        this.sizeBytes = sizeBytes;
        this.modelVersion = modelVersion;
        this.modelDigest = modelDigest;
        this.labels = Map.copyOf(labels);
        this.builder = builder;
        this.pushed = pushed;
        this.tarball = tarball.orElse(null);
        this.durationSeconds = durationSeconds;
    }

    public String reference() {
        return reference;
    }

    /** The registry manifest digest, when the image was pushed. */
    public Optional<String> digest() {
        return Optional.ofNullable(digest);
    }

    public String imageId() {
        return imageId;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public String modelDigest() {
        return modelDigest;
    }

    public Map<String, String> labels() {
        return labels;
    }

    public String builder() {
        return builder;
    }

    public boolean pushed() {
        return pushed;
    }

    /** The tarball written, if one was asked for. */
    public Optional<String> tarball() {
        return Optional.ofNullable(tarball);
    }

    public double durationSeconds() {
        return durationSeconds;
    }

    /** {@code repository@digest} when pushed (what a deployment should pin), else {@link #reference()}. */
    @JsonIgnore
    public String pinnedReference() {
        return digest().map(d -> ImageNames.repository(reference) + "@" + d).orElse(reference);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageResult r && reference.equals(r.reference) && Objects.equals(digest, r.digest)
                && imageId.equals(r.imageId) && sizeBytes == r.sizeBytes && modelVersion.equals(r.modelVersion)
                && modelDigest.equals(r.modelDigest) && labels.equals(r.labels) && builder.equals(r.builder)
                && pushed == r.pushed && Objects.equals(tarball, r.tarball)
                && Double.compare(durationSeconds, r.durationSeconds) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(reference, digest, imageId, modelVersion);
    }

    @Override
    public String toString() {
        return "ImageResult[" + reference + (digest != null ? "@" + digest : "") + ", model " + modelVersion + "]";
    }
}
