package io.jenkins.plugins.cd4ml.storage;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;

/**
 * How an operation's environment configures S3 (clients are made by
 * {@link io.jenkins.plugins.cd4ml.engine.EnvironmentClients}): the endpoint override for
 * S3-compatible stores such as MinIO from {@code CD4ML_S3_ENDPOINT}, {@code AWS_ENDPOINT_URL_S3}
 * or {@code AWS_ENDPOINT_URL} (used with path-style addressing, which those stores expect), and the
 * region.
 */
public final class S3Clients {

    /** Region used with an endpoint override when none is configured (S3-compatible stores ignore it). */
    public static final Region FALLBACK_REGION = Region.US_EAST_1;

    private S3Clients() {
    }

    /** The endpoint override from the environment, if any. */
    public static Optional<URI> endpoint(Map<String, String> environment) {
        for (String name : new String[] {"CD4ML_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String value = environment.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(URI.create(value.strip()));
            }
        }
        return Optional.empty();
    }

    /**
     * The region named by the configuration, else by {@code AWS_REGION} or {@code AWS_DEFAULT_REGION};
     * empty if none is (callers then ask the AWS profile, or fail).
     */
    public static Optional<Region> namedRegion(Optional<String> configured, Map<String, String> environment) {
        if (configured.isPresent()) {
            return Optional.of(Region.of(configured.get()));
        }
        for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String value = environment.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(Region.of(value.strip()));
            }
        }
        return Optional.empty();
    }
}
