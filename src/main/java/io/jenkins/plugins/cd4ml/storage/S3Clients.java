package io.jenkins.plugins.cd4ml.storage;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Creates S3 clients the way every part of cd4ml needs them: credentials from the AWS default
 * chain (environment, profile, web identity, instance role), and an endpoint override for
 * S3-compatible stores such as MinIO from {@code CD4ML_S3_ENDPOINT}, {@code AWS_ENDPOINT_URL_S3}
 * or {@code AWS_ENDPOINT_URL} (with path-style addressing, which those stores expect).
 */
public final class S3Clients {

    /** Region used with an endpoint override when none is configured (S3-compatible stores ignore it). */
    static final Region FALLBACK_REGION = Region.US_EAST_1;

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

    /** A client for the given region (or the default chain's), honouring the endpoint override. */
    public static S3Client create(Map<String, String> environment, Optional<String> region) {
        var builder = S3Client.builder();
        Optional<URI> endpoint = endpoint(environment);
        endpoint.ifPresent(uri -> builder.endpointOverride(uri).forcePathStyle(true));
        builder.region(region(environment, region, endpoint.isPresent()));
        return builder.build();
    }

    /** A presigner matching {@link #create}, for URLs handed to places without AWS credentials. */
    public static S3Presigner presigner(Map<String, String> environment, Optional<String> region) {
        var builder = S3Presigner.builder();
        Optional<URI> endpoint = endpoint(environment);
        endpoint.ifPresent(uri -> builder.endpointOverride(uri)
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(true).build()));
        builder.region(region(environment, region, endpoint.isPresent()));
        return builder.build();
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

    private static Region region(Map<String, String> environment, Optional<String> configured, boolean override) {
        Optional<Region> named = namedRegion(configured, environment);
        if (named.isPresent()) {
            return named.get();
        }
        if (override) {
            return FALLBACK_REGION;
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException e) {
            return FALLBACK_REGION;
        }
    }
}
