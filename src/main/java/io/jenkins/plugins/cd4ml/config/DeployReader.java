package io.jenkins.plugins.cd4ml.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads the {@code deploy} section. */
final class DeployReader {

    private static final List<String> KEYS = List.of("target", "namespace", "release", "replicas", "resources",
            "ingress", "autoscaling", "strategy", "environments", "values", "kube_context", "kubeconfig");
    private static final List<String> ENVIRONMENT_KEYS = List.of("namespace", "release", "replicas", "resources",
            "ingress", "autoscaling", "values", "target", "kube_context", "kubeconfig");
    private static final String RELEASE_RULE = "use at most 53 lowercase letters, digits and '-' (a Helm release "
            + "name), e.g. iris-classifier";

    private DeployReader() {
    }

    static DeployConfig read(YamlMap root, String projectName) {
        YamlMap deploy = root.map("deploy", KEYS);
        if (deploy == null) {
            return null;
        }
        String target = Optional.ofNullable(deploy.choice("target", List.of("helm", "local"))).orElse("helm");
        Integer replicas = deploy.integer("replicas", 0, 1000);
        Map<String, DeployConfig.Environment> environments = deploy.entriesOf("environments", true,
                (owner, name, node) -> {
                    if (!Patterns.DNS_LABEL.matcher(name).matches()) {
                        owner.keyProblem(name, "environment name '" + name + "' is not valid; "
                                + Patterns.DNS_LABEL_RULE);
                    }
                    if (node == null) { // an environment that changes nothing inherits everything
                        return new DeployConfig.Environment(Optional.empty(), Optional.empty(), Optional.empty(),
                                Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                                Optional.empty(), Optional.empty());
                    }
                    YamlMap env = owner.asMap(node, owner.child(name), ENVIRONMENT_KEYS);
                    return env == null ? null : environment(env);
                });
        String release = release(deploy);
        return new DeployConfig(target, Optional.ofNullable(namespace(deploy)),
                release == null ? projectName : release, replicas == null ? 1 : replicas,
                Optional.ofNullable(resources(deploy)), Optional.ofNullable(ingress(deploy)),
                Optional.ofNullable(autoscaling(deploy)),
                Optional.ofNullable(deploy.choice("strategy", List.of("rolling", "canary"))).orElse("rolling"),
                environments == null ? Map.of() : new LinkedHashMap<>(environments),
                TrainReader.orEmpty(deploy.plainMap("values")), Optional.ofNullable(deploy.string("kube_context")),
                Optional.ofNullable(deploy.string("kubeconfig")));
    }

    private static DeployConfig.Environment environment(YamlMap env) {
        Integer replicas = env.integer("replicas", 0, 1000);
        return new DeployConfig.Environment(Optional.ofNullable(namespace(env)), Optional.ofNullable(release(env)),
                Optional.ofNullable(replicas), Optional.ofNullable(resources(env)), Optional.ofNullable(ingress(env)),
                Optional.ofNullable(autoscaling(env)), TrainReader.orEmpty(env.plainMap("values")),
                Optional.ofNullable(env.choice("target", List.of("helm", "local"))),
                Optional.ofNullable(env.string("kube_context")), Optional.ofNullable(env.string("kubeconfig")));
    }

    private static String namespace(YamlMap map) {
        return map.matching("namespace", Patterns.DNS_LABEL, Patterns.DNS_LABEL_RULE);
    }

    private static String release(YamlMap map) {
        String release = map.matching("release", Patterns.DNS_LABEL, RELEASE_RULE);
        if (release != null && release.length() > 53) {
            map.problem("release", "'" + release + "' is " + release.length() + " characters; " + RELEASE_RULE);
            return null;
        }
        return release;
    }

    private static DeployConfig.Resources resources(YamlMap map) {
        YamlMap r = map.map("resources", List.of("cpu", "memory"));
        return r == null ? null : new DeployConfig.Resources(Optional.ofNullable(Quantities.cpu(r, "cpu")),
                Optional.ofNullable(Quantities.memory(r, "memory")));
    }

    private static DeployConfig.Ingress ingress(YamlMap map) {
        YamlMap i = map.map("ingress", List.of("enabled", "host"));
        if (i == null) {
            return null;
        }
        boolean enabled = Boolean.TRUE.equals(i.bool("enabled"));
        String host = i.matching("host", Patterns.HOSTNAME, "use a DNS host name such as iris.example.com");
        if (enabled && !i.has("host")) {
            i.missing("host", "an enabled ingress needs the host name it answers, e.g. iris.example.com");
        }
        return new DeployConfig.Ingress(enabled, Optional.ofNullable(host));
    }

    private static DeployConfig.Autoscaling autoscaling(YamlMap map) {
        YamlMap a = map.map("autoscaling", List.of("enabled", "min", "max", "cpu_percent"));
        if (a == null) {
            return null;
        }
        Integer min = a.integer("min", 1, 1000);
        Integer max = a.integer("max", 1, 1000);
        Integer cpu = a.integer("cpu_percent", 1, 100);
        if (min != null && max != null && min > max) {
            a.problem("max", "max (" + max + ") is below min (" + min + "); use max >= min");
        }
        return new DeployConfig.Autoscaling(Boolean.TRUE.equals(a.bool("enabled")), min == null ? 1 : min,
                max == null ? Math.max(min == null ? 1 : min, 10) : max, cpu == null ? 70 : cpu);
    }
}
