package io.jenkins.plugins.cd4ml.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** S3 clients for an in-process s3proxy on 127.0.0.1: the real S3 protocol, no AWS account. */
public final class S3Proxies {

    private S3Proxies() {
    }

    /** A fresh s3proxy (filesystem store, one per test) with fixed test credentials. */
    public static S3ProxyExtension extension() {
        return S3ProxyExtension.builder().withCredentials("cd4ml-test", "cd4ml-test-secret").build();
    }

    /** A client for {@code proxy}, path-style, with its static credentials. */
    public static S3Client client(S3ProxyExtension proxy) {
        return S3Client.builder()
                .endpointOverride(proxy.getUri())
                .forcePathStyle(true)
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(proxy.getAccessKey(), proxy.getSecretKey())))
                .build();
    }

    public static void put(S3Client s3, String bucket, String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    public static void put(S3Client s3, String bucket, String key, Path file) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
    }

    public static String text(S3Client s3, String bucket, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
    }

    public static Path download(S3Client s3, String bucket, String key, Path target) {
        try {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s3.getObject(b -> b.bucket(bucket).key(key), target);
        return target;
    }
}
