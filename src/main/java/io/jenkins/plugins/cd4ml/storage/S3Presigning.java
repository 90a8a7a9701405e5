package io.jenkins.plugins.cd4ml.storage;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.net.URL;
import java.time.Duration;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Presigned S3 URLs: time-limited GET and PUT access to one object for a place that has no AWS
 * credentials (a training pod). A URL is a bearer token; whoever holds it may read or write that
 * object until it expires, so keep URLs out of logs, specs and messages.
 *
 * <p>Signature V4 limits a URL's validity to {@link #MAX_VALIDITY}. A URL signed with temporary
 * credentials (a role session, web identity) stops working when those credentials expire, even
 * if its own validity is longer.
 */
public final class S3Presigning {

    /** The longest validity Signature V4 allows. */
    public static final Duration MAX_VALIDITY = Duration.ofDays(7);

    private final S3Presigner presigner;

    public S3Presigning(S3Presigner presigner) {
        this.presigner = presigner;
    }

    /** A URL that downloads {@code object} with a plain HTTP GET. */
    public URL get(S3Location object, Duration validity) {
        check(validity);
        return call("presign a download of " + object, () -> presigner.presignGetObject(r -> r
                .signatureDuration(validity)
                .getObjectRequest(o -> o.bucket(object.bucket()).key(object.key()))).url());
    }

    /** A URL that uploads {@code object} with a plain HTTP PUT (any content type, a Content-Length). */
    public URL put(S3Location object, Duration validity) {
        check(validity);
        return call("presign an upload to " + object, () -> presigner.presignPutObject(r -> r
                .signatureDuration(validity)
                .putObjectRequest(o -> o.bucket(object.bucket()).key(object.key()))).url());
    }

    private static void check(Duration validity) {
        if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("a presigned URL is valid for more than 0 and at most 7 days, not "
                    + validity);
        }
    }

    private static <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            throw Cd4mlException.workFailed("could not " + what + ": " + e.getMessage(), "check the AWS credentials "
                    + "(AWS_PROFILE, AWS_ACCESS_KEY_ID, an instance role) and the region; presigning signs locally "
                    + "but needs credentials", e);
        }
    }
}
