package io.jenkins.plugins.cd4ml.serve;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.ServeConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The model server's settings as environment variables, from the project's {@code serve} section:
 * what a container, a local process or a Helm release sets for the image's server.
 */
public final class ServingEnvironment {

    private ServingEnvironment() {
    }

    /**
     * The variables for serving {@code config}'s model on {@code port}.
     *
     * @param image the image reference written into prediction logs, if served from an image
     */
    public static Map<String, String> of(ProjectConfig config, int port, Optional<String> image) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PORT", String.valueOf(port));
        env.put("CD4ML_MODEL_NAME", config.name());
        image.ifPresent(i -> env.put("CD4ML_IMAGE", i));
        config.serve().ifPresent(serve -> {
            env.put("CD4ML_WORKERS", String.valueOf(serve.workers()));
            serve.batching().ifPresent(b -> {
                env.put("CD4ML_BATCH_MAX_SIZE", String.valueOf(b.maxBatchSize()));
                env.put("CD4ML_BATCH_MAX_LATENCY_MS", String.valueOf(b.maxLatencyMs()));
            });
            ServeConfig.Logging logging = serve.logging();
            env.put("CD4ML_LOG_STDOUT", String.valueOf(logging.stdout()));
            logging.fluentd().ifPresent(f -> {
                env.put("CD4ML_FLUENTD_HOST", f.host());
                env.put("CD4ML_FLUENTD_PORT", String.valueOf(f.port()));
                env.put("CD4ML_FLUENTD_TAG", f.tag());
            });
        });
        return env;
    }
}
