package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.storage.S3Presigning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every URL the training pod's bootstrap needs, as it reads them from {@code transfer.json}: the
 * project source and each channel file to download, and where to upload {@code model.tar.gz} and
 * {@code output.tar.gz}. S3 objects get presigned URLs ({@link TransferObjects#sign}),
 * {@code http(s)://} channels pass as they are. The whole plan is a secret: never log it or put
 * it in a Job spec.
 *
 * @param source GET URL of the project's {@code source.tar.gz}
 * @param channels per channel, the files to place in {@code /opt/ml/input/data/<channel>/}
 * @param model PUT URL for {@code model.tar.gz} (the contents of {@code /opt/ml/model})
 * @param output PUT URL for {@code output.tar.gz} (the contents of {@code /opt/ml/output})
 */
record TransferPlan(String source, Map<String, List<ChannelFile>> channels, String model, String output) {

    /** Time the pod gets beyond {@code train.timeout} to pull its image and upload results. */
    static final Duration MARGIN = Duration.ofHours(1);

    /** The least margin left when {@code train.timeout} is close to the presigning limit. */
    static final Duration MIN_MARGIN = Duration.ofMinutes(15);

    /** A Secret holds at most 1 MiB; keep well below it. */
    static final int MAX_JSON_BYTES = 900 * 1024;

    /** A file of a channel: its path below the channel directory and where to get it. */
    record ChannelFile(String path, String url) {

        @Override
        public String toString() {
            return "ChannelFile[" + path + ", URL redacted]";
        }
    }

    /**
     * How long the URLs of a run with this timeout stay valid: the timeout plus {@link #MARGIN},
     * at most {@link S3Presigning#MAX_VALIDITY}.
     *
     * @throws Cd4mlException if the timeout leaves less than {@link #MIN_MARGIN} within the limit
     */
    static Duration validityFor(Duration timeout) {
        Duration longest = S3Presigning.MAX_VALIDITY.minus(MIN_MARGIN);
        if (timeout.compareTo(longest) > 0) {
            throw Cd4mlException.badInput("train.timeout (" + Durations.format(timeout) + ") is too long for the "
                    + "kubernetes backend: the training pod reads and writes S3 through presigned URLs instead of "
                    + "holding AWS credentials, and S3 accepts such a URL for at most 7 days (Signature V4), "
                    + Durations.format(MIN_MARGIN) + " of which the pod needs for its uploads",
                    "set train.timeout to at most " + Durations.format(longest) + ", or split the training into "
                            + "shorter runs");
        }
        Duration validity = timeout.plus(MARGIN);
        return validity.compareTo(S3Presigning.MAX_VALIDITY) > 0 ? S3Presigning.MAX_VALIDITY : validity;
    }

    /**
     * Fails if the plan would not fit into a Secret.
     *
     * @throws Cd4mlException naming the number of files and what to do about it
     */
    void checkSize() {
        int size = toJson().length;
        if (size > MAX_JSON_BYTES) {
            int count = channels.values().stream().mapToInt(List::size).sum();
            throw Cd4mlException.badInput("the channels hold " + count + " files; the kubernetes backend hands "
                    + "the pod one presigned URL per file in a Kubernetes Secret, and " + size / 1024 + " KiB of "
                    + "URLs exceed what a Secret holds (1 MiB)", "pack the data into fewer, larger files (a "
                    + "tar, Parquet or TFRecord shards) under the channel prefix");
        }
    }

    /** The file name an {@code http(s)://} channel gets: the last segment of its path, else {@code data}. */
    static String httpFileName(String uri) {
        String path = URI.create(uri).getPath();
        String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() ? "data" : name;
    }

    /** The plan as the bootstrap reads it. */
    byte[] toJson() {
        try {
            return Json.mapper().writeValueAsString(this).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Never the URLs: the plan is a secret. */
    @Override
    public String toString() {
        return "TransferPlan[" + channels.size() + " channels, URLs redacted]";
    }
}
