package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.config.DeployConfig;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.ServeConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Helm values of one deploy, merged in this order (later wins):
 *
 * <ol>
 *   <li>the chart's own defaults ({@code values.yaml});
 *   <li>from {@code config.yaml}: {@code serve} (workers, batching, logging) and the top level of
 *       {@code deploy} (replicas, resources, ingress, autoscaling);
 *   <li>the environment's overrides of those ({@code deploy.environments.ENV.*});
 *   <li>raw values: {@code deploy.values}, then {@code deploy.environments.ENV.values}, merged
 *       key by key (maps merge, anything else replaces);
 *   <li>what the deploy itself decides: {@code image.*}, {@code model.version} and
 *       {@code canary.*}, so raw values cannot point a release at another image than the one deployed.
 * </ol>
 */
public final class ChartValues {

    private ChartValues() {
    }

    /**
     * The values for deploying {@code image} (serving {@code modelVersion}) to {@code target}.
     *
     * @param canary the canary to run next to the stable image, if any
     */
    public static Map<String, Object> of(ProjectConfig config, DeployTarget target, ImageReference image,
            String modelVersion, Optional<Canary> canary) {
        DeployConfig deploy = config.deploy().orElseThrow();
        Map<String, Object> values = new LinkedHashMap<>();
        put(values, "model.name", config.name());
        put(values, "test.request", SmokeRequest.json(config.features()));
        config.serve().ifPresent(serve -> serve(values, serve));
        put(values, "replicaCount", deploy.replicas());
        layer(values, deploy.resources(), deploy.ingress(), deploy.autoscaling());
        DeployConfig.Environment env = target.environment().isEmpty() ? null
                : deploy.environments().get(target.environment());
        if (env != null) {
            env.replicas().ifPresent(r -> put(values, "replicaCount", r));
            layer(values, env.resources(), env.ingress(), env.autoscaling());
        }
        merge(values, deploy.values());
        if (env != null) {
            merge(values, env.values());
        }
        put(values, "image.repository", image.repository());
        put(values, "image.tag", image.tag());
        put(values, "image.digest", image.digest());
        put(values, "model.version", modelVersion);
        if (canary.isPresent()) {
            Canary c = canary.get();
            put(values, "canary.enabled", true);
            put(values, "canary.weight", c.weight());
            put(values, "canary.image.repository", c.image().repository());
            put(values, "canary.image.tag", c.image().tag());
            put(values, "canary.image.digest", c.image().digest());
            put(values, "canary.model.version", c.modelVersion());
        } else {
            put(values, "canary.enabled", false);
        }
        return values;
    }

    /** A canary: its image, model version and the percent of Ingress requests it gets. */
    public record Canary(ImageReference image, String modelVersion, int weight) {
    }

    private static void serve(Map<String, Object> values, ServeConfig serve) {
        put(values, "server.workers", serve.workers());
        serve.batching().ifPresent(b -> {
            put(values, "server.batchMaxSize", b.maxBatchSize());
            put(values, "server.batchMaxLatencyMs", b.maxLatencyMs());
        });
        put(values, "logging.stdout", serve.logging().stdout());
        serve.logging().fluentd().ifPresent(f -> {
            put(values, "logging.fluentd.enabled", true);
            put(values, "logging.fluentd.host", f.host());
            put(values, "logging.fluentd.port", f.port());
            put(values, "logging.fluentd.tag", f.tag());
        });
    }

    private static void layer(Map<String, Object> values, Optional<DeployConfig.Resources> resources,
            Optional<DeployConfig.Ingress> ingress, Optional<DeployConfig.Autoscaling> autoscaling) {
        resources.ifPresent(r -> {
            r.cpu().ifPresent(cpu -> put(values, "resources.requests.cpu", cpu));
            r.memory().ifPresent(memory -> {
                put(values, "resources.requests.memory", memory);
                put(values, "resources.limits.memory", memory); // memory is not compressible: request = limit
            });
        });
        ingress.ifPresent(i -> {
            put(values, "ingress.enabled", i.enabled());
            i.host().ifPresent(h -> put(values, "ingress.host", h));
        });
        autoscaling.ifPresent(a -> {
            put(values, "autoscaling.enabled", a.enabled());
            put(values, "autoscaling.minReplicas", a.min());
            put(values, "autoscaling.maxReplicas", a.max());
            put(values, "autoscaling.targetCPUUtilizationPercentage", a.cpuPercent());
        });
    }

    /** Sets a dotted path, creating maps on the way. */
    @SuppressWarnings("unchecked")
    static void put(Map<String, Object> values, String path, Object value) {
        List<String> keys = List.of(path.split("\\."));
        Map<String, Object> map = values;
        for (String key : keys.subList(0, keys.size() - 1)) {
            Object child = map.get(key);
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                map.put(key, child);
            }
            map = (Map<String, Object>) child;
        }
        map.put(keys.get(keys.size() - 1), value);
    }

    /** Reads a dotted path, or empty. */
    @SuppressWarnings("unchecked")
    static Optional<Object> get(Map<String, Object> values, String path) {
        Object current = values;
        for (String key : path.split("\\.")) {
            if (!(current instanceof Map)) {
                return Optional.empty();
            }
            current = ((Map<String, Object>) current).get(key);
        }
        return Optional.ofNullable(current);
    }

    /** Merges {@code overlay} into {@code values}: maps merge recursively, anything else replaces. */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> values, Map<String, Object> overlay) {
        for (Map.Entry<String, Object> e : overlay.entrySet()) {
            Object existing = values.get(e.getKey());
            if (existing instanceof Map && e.getValue() instanceof Map) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) existing);
                merge(copy, (Map<String, Object>) e.getValue());
                values.put(e.getKey(), copy);
            } else if (e.getValue() instanceof Map) {
                Map<String, Object> copy = new LinkedHashMap<>();
                merge(copy, (Map<String, Object>) e.getValue());
                values.put(e.getKey(), copy);
            } else {
                values.put(e.getKey(), e.getValue());
            }
        }
    }
}
