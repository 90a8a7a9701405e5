package io.jenkins.plugins.cd4ml.storage;

/**
 * A bucket and key (or key prefix) parsed from {@code s3://bucket/key}.
 *
 * @param key the key or prefix, without a leading slash; empty for the whole bucket
 */
public record S3Location(String bucket, String key) {

    /**
     * Parses an {@code s3://} URI.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static S3Location parse(String uri) {
        if (!uri.startsWith("s3://") || uri.length() <= 5) {
            throw new IllegalArgumentException("'" + uri + "' is not an s3://bucket/key URI");
        }
        String rest = uri.substring(5);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return new S3Location(rest, "");
        }
        return new S3Location(rest.substring(0, slash), rest.substring(slash + 1));
    }

    /** The location of {@code name} under this prefix. */
    public S3Location child(String name) {
        if (key.isEmpty()) {
            return new S3Location(bucket, name);
        }
        return new S3Location(bucket, key.endsWith("/") ? key + name : key + "/" + name);
    }

    /** The key as a prefix that ends with a slash (or empty for the bucket). */
    public String prefix() {
        return key.isEmpty() || key.endsWith("/") ? key : key + "/";
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + key;
    }
}
