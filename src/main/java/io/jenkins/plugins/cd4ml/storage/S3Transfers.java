package io.jenkins.plugins.cd4ml.storage;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Moves files between this machine and S3 (or an S3-compatible store), with errors that say
 * which object failed and what to check.
 */
public final class S3Transfers {

    private final S3Client s3;

    public S3Transfers(S3Client s3) {
        this.s3 = s3;
    }

    /**
     * Downloads one object, or every object under a prefix, into {@code directory} (keys keep
     * their path below the prefix).
     *
     * @return the objects downloaded
     */
    public List<S3Object> download(S3Location from, Path directory) throws IOException {
        Files.createDirectories(directory);
        List<S3Object> objects = list(from);
        if (objects.isEmpty()) {
            throw Cd4mlException.workFailed("nothing found at " + from, "check the bucket and key, and that "
                    + "your AWS credentials can list it (aws s3 ls " + from + ")", null);
        }
        for (S3Object object : objects) {
            String relative = object.key().equals(from.key())
                    ? Path.of(object.key()).getFileName().toString()
                    : object.key().substring(from.prefix().length());
            Path target = directory.resolve(relative).normalize();
            if (!target.startsWith(directory)) {
                throw new IOException("S3 key " + object.key() + " would be written outside " + directory);
            }
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            call("download " + new S3Location(from.bucket(), object.key()), () -> s3.getObject(
                    GetObjectRequest.builder().bucket(from.bucket()).key(object.key()).build(), target));
        }
        return objects;
    }

    /** The object at {@code location}, or else the objects under it as a prefix; skips "folder" markers. */
    public List<S3Object> list(S3Location location) {
        List<S3Object> exact = new ArrayList<>();
        List<S3Object> underPrefix = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = call("list " + location, () -> s3.listObjectsV2(ListObjectsV2Request.builder()
                    .bucket(location.bucket()).prefix(location.key()).continuationToken(continuation).build()));
            for (S3Object object : page.contents()) {
                if (object.key().equals(location.key()) && !object.key().endsWith("/")) {
                    exact.add(object);
                } else if (object.key().startsWith(location.prefix()) && !object.key().endsWith("/")) {
                    underPrefix.add(object);
                }
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return exact.isEmpty() ? underPrefix : exact;
    }

    /** True if an object exists at exactly {@code location}. */
    public boolean exists(S3Location location) {
        return list(location).stream().anyMatch(o -> o.key().equals(location.key()));
    }

    /** Uploads a file to exactly {@code to}. */
    public void upload(Path file, S3Location to) {
        call("upload " + file.getFileName() + " to " + to, () -> s3.putObject(
                PutObjectRequest.builder().bucket(to.bucket()).key(to.key()).build(), RequestBody.fromFile(file)));
    }

    /** Uploads text to exactly {@code to}. */
    public void upload(String text, String contentType, S3Location to) {
        call("upload to " + to, () -> s3.putObject(PutObjectRequest.builder().bucket(to.bucket()).key(to.key())
                .contentType(contentType).build(), RequestBody.fromString(text)));
    }

    private static <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            throw Cd4mlException.workFailed("could not " + what + ": " + e.getMessage(), "check the AWS credentials "
                    + "(AWS_PROFILE, AWS_ACCESS_KEY_ID, an instance role), the region, that the bucket exists, and "
                    + "CD4ML_S3_ENDPOINT for S3-compatible stores", e);
        }
    }
}
