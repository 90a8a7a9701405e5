package io.jenkins.plugins.cd4ml.deploy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.engine.EnvironmentClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.yaml.snakeyaml.Yaml;

/**
 * Which cluster and namespace a deploy talks to: a kubeconfig (with the environment's context
 * made current) or, inside a pod, its service account. Helm and fabric8 get the same kubeconfig,
 * so the release and the rollout diagnosis always look at the same cluster.
 *
 * <p>{@link #toString()} never shows the kubeconfig: it may hold tokens.
 */
public final class KubeAccess {

    private final String namespace;
    private final String kubeconfig; // empty: in-cluster
    private final String context;
    private final String source;
    private final Map<String, String> pod; // in-cluster only: KUBERNETES_SERVICE_HOST and _PORT
    private final Path serviceAccount; // in-cluster only

    private KubeAccess(String namespace, String kubeconfig, String context, String source, Map<String, String> pod,
            Path serviceAccount) {
        this.namespace = namespace;
        this.kubeconfig = kubeconfig;
        this.context = context;
        this.source = source;
        this.pod = pod;
        this.serviceAccount = serviceAccount;
    }

    /**
     * Resolves the kubeconfig: {@code kubeconfigFile} (flag or config.yaml, relative to
     * {@code projectDir}), else {@code KUBECONFIG}'s first file, else {@code $HOME/.kube/config},
     * else the pod's service account when running in a cluster.
     *
     * @param context the context to use (flag or config.yaml), empty for the kubeconfig's current one
     * @throws Cd4mlException (bad input) when no cluster can be found or the context does not exist
     */
    public static KubeAccess resolve(String namespace, Optional<String> kubeconfigFile, Optional<String> context,
            Path projectDir, Map<String, String> environment) {
        return resolve(namespace, kubeconfigFile, context, projectDir, environment,
                EnvironmentClients.SERVICE_ACCOUNT);
    }

    /** As {@link #resolve(String, Optional, Optional, Path, Map)}, with the pod's service account mounted here. */
    static KubeAccess resolve(String namespace, Optional<String> kubeconfigFile, Optional<String> context,
            Path projectDir, Map<String, String> environment, Path serviceAccount) {
        Optional<Path> file = kubeconfigFile.filter(f -> !f.isBlank()).map(f -> projectDir.resolve(f));
        String source;
        if (file.isPresent()) {
            source = file.get().toString();
        } else if (!environment.getOrDefault("KUBECONFIG", "").isBlank()) {
            file = Optional.of(Path.of(environment.get("KUBECONFIG").split(java.io.File.pathSeparator)[0]));
            source = "KUBECONFIG (" + file.get() + ")";
        } else if (environment.containsKey("HOME")
                && Files.isRegularFile(Path.of(environment.get("HOME"), ".kube", "config"))) {
            file = Optional.of(Path.of(environment.get("HOME"), ".kube", "config"));
            source = file.get().toString();
        } else if (environment.containsKey("KUBERNETES_SERVICE_HOST")) {
            if (context.isPresent() && !context.get().isBlank()) {
                throw Cd4mlException.badInput("kube context '" + context.get() + "' asked for, but there is no "
                        + "kubeconfig (running in a pod with its service account)",
                        "drop the context, or set KUBECONFIG or deploy.kubeconfig");
            }
            Map<String, String> pod = new HashMap<>();
            for (String name : List.of("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")) {
                Optional.ofNullable(environment.get(name)).ifPresent(v -> pod.put(name, v));
            }
            return new KubeAccess(namespace, "", "", "the pod's service account", Map.copyOf(pod), serviceAccount);
        } else {
            throw Cd4mlException.badInput("no Kubernetes cluster is configured: no kubeconfig file and not running "
                    + "in a pod", "set KUBECONFIG, create ~/.kube/config (microk8s config > ~/.kube/config), set "
                    + "deploy.kubeconfig, or use deploy.target: local");
        }
        if (!Files.isRegularFile(file.get())) {
            throw Cd4mlException.badInput("kubeconfig " + file.get() + " does not exist", "check KUBECONFIG, "
                    + "--kubeconfig or deploy.kubeconfig");
        }
        try {
            return fromKubeconfig(namespace, Files.readString(file.get(), StandardCharsets.UTF_8), context, source);
        } catch (IOException e) {
            throw Cd4mlException.badInput("cannot read kubeconfig " + file.get() + ": " + e.getMessage(),
                    "check the file's permissions");
        }
    }

    /** From kubeconfig text (tests hand in a mock server's); {@code context} empty for its current one. */
    @SuppressWarnings("unchecked")
    public static KubeAccess fromKubeconfig(String namespace, String kubeconfig, Optional<String> context,
            String source) {
        Object parsed;
        try {
            parsed = new Yaml().load(kubeconfig);
        } catch (RuntimeException e) {
            throw Cd4mlException.badInput("kubeconfig " + source + " is not valid YAML", "check the file");
        }
        if (!(parsed instanceof Map)) {
            throw Cd4mlException.badInput("kubeconfig " + source + " is not a kubeconfig", "check the file");
        }
        Map<String, Object> config = (Map<String, Object>) parsed;
        List<String> contexts = ((List<Object>) Objects.requireNonNullElse(config.get("contexts"), List.of())).stream()
                .filter(Map.class::isInstance).map(c -> String.valueOf(((Map<String, Object>) c).get("name"))).toList();
        String current = String.valueOf(Objects.requireNonNullElse(config.get("current-context"), ""));
        String chosen = context.filter(c -> !c.isBlank()).orElse(current);
        if (chosen.isBlank() || !contexts.contains(chosen)) {
            throw Cd4mlException.badInput(chosen.isBlank() ? "kubeconfig " + source + " names no current context"
                    : "kube context '" + chosen + "' is not in kubeconfig " + source, contexts.isEmpty()
                            ? "add a context to the kubeconfig" : "use one of: " + String.join(", ", contexts));
        }
        if (!chosen.equals(current)) {
            config.put("current-context", chosen);
            kubeconfig = new Yaml().dump(config);
        }
        return new KubeAccess(namespace, kubeconfig, chosen, source, Map.of(), null);
    }

    public String namespace() {
        return namespace;
    }

    /** The kubeconfig text with the chosen context current; empty inside a pod. */
    public String kubeconfig() {
        return kubeconfig;
    }

    /** The kube context, empty inside a pod. */
    public String context() {
        return context;
    }

    /** "context X of FILE" or "the pod's service account", for messages. */
    public String describe() {
        return context.isEmpty() ? source : "context " + context + " of " + source;
    }

    /**
     * A fabric8 client for the same cluster (the caller closes it), configured from this access
     * alone: never from the JVM's system properties, environment or {@code user.home}.
     */
    public KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(config()).build();
    }

    /** The fabric8 configuration of {@link #client()}. */
    Config config() {
        Config config = kubeconfig.isEmpty() ? EnvironmentClients.inClusterConfig(pod, serviceAccount)
                : Config.fromKubeconfig(kubeconfig);
        config.setNamespace(namespace);
        // the client only watches what Helm does: a slow or absent answer must not hold the deploy up
        config.setRequestRetryBackoffLimit(1);
        config.setConnectionTimeout(5_000);
        config.setRequestTimeout(10_000);
        return config;
    }

    @Override
    public String toString() {
        return "KubeAccess[" + describe() + ", namespace " + namespace + "]";
    }
}
