package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * An image to deploy: repository plus tag and/or digest, as the chart's {@code image} values take it.
 *
 * @param tag empty when only the digest is known
 * @param digest {@code sha256:…}, empty when the image was not pushed
 */
public record ImageReference(String repository, String tag, String digest) implements Serializable {

    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

    /**
     * Parses {@code repo:tag}, {@code repo@sha256:…} or {@code repo:tag@sha256:…}.
     *
     * @throws Cd4mlException (bad input) for a reference without tag or digest, with tag
     *     {@code latest}, or with a malformed digest
     */
    public static ImageReference parse(String reference) {
        String text = reference == null ? "" : reference.strip();
        String digest = "";
        int at = text.indexOf('@');
        if (at >= 0) {
            digest = text.substring(at + 1);
            if (!DIGEST.matcher(digest).matches()) {
                throw Cd4mlException.badInput("image '" + reference + "' has a malformed digest",
                        "use repository@sha256:<64 hex digits>, as cd4ml build-image --push prints it");
            }
        }
        String repository = ImageNames.repository(text);
        String withoutDigest = at >= 0 ? text.substring(0, at) : text;
        int colon = withoutDigest.lastIndexOf(':');
        String tag = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.substring(colon + 1) : "";
        if (repository.isEmpty() || (tag.isEmpty() && digest.isEmpty())) {
            throw Cd4mlException.badInput("image '" + reference + "' names no tag or digest",
                    "deploy one particular image: repository:tag or repository@sha256:…");
        }
        if (tag.equals("latest") && digest.isEmpty()) {
            throw Cd4mlException.badInput("image '" + reference + "' uses the tag 'latest', which names no particular "
                    + "image", "deploy the tag or digest cd4ml build-image reported");
        }
        return new ImageReference(repository, tag, digest);
    }

    /** {@code repository@digest} when the digest is known, else {@code repository:tag}: what the pods run. */
    public String pinned() {
        return digest.isEmpty() ? repository + ":" + tag : repository + "@" + digest;
    }

    @Override
    public String toString() {
        return repository + (tag.isEmpty() ? "" : ":" + tag) + (digest.isEmpty() ? "" : "@" + digest);
    }
}
