package io.jenkins.plugins.cd4ml.config;

import java.util.Optional;

/** The {@code serve} section: the serving image and how it runs. */
public record ServeConfig(Image image, int workers, Optional<Batching> batching, Logging logging) {

    /**
     * The serving image.
     *
     * @param tag a tag template; placeholders {@code {git_short_sha}}, {@code {build_number}},
     *     {@code {model_version}}, {@code {date}}
     * @param builder {@code auto}, {@code docker} or {@code jib}
     */
    public record Image(String repository, String tag, Optional<String> base, String builder) {
    }

    /** Adaptive micro-batching of concurrent requests. */
    public record Batching(int maxBatchSize, double maxLatencyMs) {
    }

    /** Where prediction records go. */
    public record Logging(boolean stdout, Optional<Fluentd> fluentd) {
    }

    /** A Fluentd forward-protocol receiver. */
    public record Fluentd(String host, int port, String tag) {
    }
}
