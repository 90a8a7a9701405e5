package io.jenkins.plugins.cd4ml.config;

import io.jenkins.plugins.cd4ml.config.TrainConfig.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.nodes.Node;

/** Reads the {@code train} section. */
final class TrainReader {

    static final List<String> KEYS = List.of("backend", "entrypoint", "command", "image", "channels", "output",
            "hyperparameters", "metrics", "resources", "timeout", "python", "kubernetes", "sagemaker");
    private static final List<String> KUBERNETES_KEYS = List.of("namespace", "service_account", "node_selector",
            "tolerations", "secrets", "env");
    private static final List<String> SAGEMAKER_KEYS = List.of("role_arn", "instance_type", "instance_count",
            "volume_gb", "spot", "max_wait", "region", "checkpoint_uri");
    static final Duration DEFAULT_TIMEOUT = Duration.ofHours(24);

    private TrainReader() {
    }

    static TrainConfig read(YamlMap root, Backend override, String imageOverride) {
        YamlMap train = root.map("train", KEYS);
        if (train == null) {
            if (!root.has("train")) {
                root.missing("train", "add a train section with at least 'entrypoint: train.py'");
            }
            return null;
        }
        String backendName = train.choice("backend", Backend.configNames());
        Backend backend = override != null ? override
                : backendName == null ? Backend.LOCAL : Backend.fromConfigName(backendName);

        String entrypoint = train.string("entrypoint");
        List<String> command = train.stringList("command");
        if (entrypoint != null && command != null) {
            train.problem("command", "set either 'entrypoint' or 'command', not both");
        }
        if (command != null && command.isEmpty()) {
            train.problem("command", "must not be empty; give the program and its arguments, e.g. [python, train.py]");
        }
        if (entrypoint == null && command == null) {
            entrypoint = "train.py";
        }
        List<String> effectiveCommand = command != null ? command : List.of("python", entrypoint == null ? "train.py"
                : entrypoint);

        Map<String, String> channels = channels(train);
        String output = Optional.ofNullable(train.string("output")).orElse(".cd4ml/models");
        Duration timeout = train.duration("timeout");
        return new TrainConfig(
                backend,
                Optional.ofNullable(entrypoint),
                List.copyOf(effectiveCommand),
                Optional.ofNullable(imageOverride != null ? imageOverride : train.string("image")),
                channels,
                output,
                hyperparameters(train),
                metrics(train),
                resources(train),
                timeout == null ? DEFAULT_TIMEOUT : timeout,
                Optional.ofNullable(train.string("python")),
                kubernetes(train),
                sagemaker(train));
    }

    private static Map<String, String> channels(YamlMap train) {
        Map<String, String> channels = train.entriesOf("channels", false, (owner, name, node) -> {
            if (!Patterns.CHANNEL.matcher(name).matches()) {
                owner.keyProblem(name, "channel name '" + name + "' is not valid; "
                        + "use at most 64 letters, digits, '.', '-' or '_'");
            }
            String uri = owner.string(name);
            if (uri != null && Patterns.hasScheme(uri) && !Patterns.isS3(uri) && !Patterns.isHttp(uri)) {
                owner.problem(name, "'" + uri + "' has an unsupported scheme; "
                        + "use s3://bucket/key, http(s)://… or a path inside the project");
                return null;
            }
            if (uri != null && Patterns.isS3(uri) && !Patterns.S3_URI.matcher(uri).matches()) {
                owner.problem(name, "'" + uri + "' is not a valid S3 URI; use "
                        + "s3://bucket/prefix with a lowercase bucket name of 3 to 63 characters");
                return null;
            }
            return uri;
        });
        // channel order is the user's: it orders SM_CHANNELS, the input config and the manifest
        return channels == null ? Map.of() : Collections.unmodifiableMap(channels);
    }

    private static Map<String, String> hyperparameters(YamlMap train) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> read = train.entriesOf("hyperparameters", true, (owner, name, node) -> {
            if (node == null) {
                owner.keyProblem(name, "hyperparameter '" + name + "' has no value");
                return null;
            }
            String text = HyperparameterText.of(PlainValues.of(node, owner.child(name), owner.file()));
            if (name.length() > 256 || text.length() > 2500) {
                owner.keyProblem(name, "hyperparameter '" + name + "' is too long; names may have 256 and values "
                        + "2500 characters (the SageMaker limits)");
                return null;
            }
            return text;
        });
        if (read != null) {
            out.putAll(read);
        }
        return out;
    }

    private static List<TrainConfig.Metric> metrics(YamlMap train) {
        List<Node> items = train.list("metrics");
        List<TrainConfig.Metric> out = new ArrayList<>();
        if (items == null) {
            return out;
        }
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YamlMap metric = train.asMap(items.get(i), train.child("metrics") + "[" + i + "]", List.of("name", "regex"));
            if (metric == null) {
                continue;
            }
            String name = metric.requiredString("name", "give the metric a name such as accuracy");
            String regex = metric.requiredString("regex", "give a regular expression with one group that "
                    + "captures the value, such as 'accuracy=([0-9.]+)'");
            if (name != null && !Patterns.METRIC.matcher(name).matches()) {
                metric.problem("name", "'" + name + "' is not a valid metric name; use letters, digits and _ . : / -"
                        + " starting with a letter");
                name = null;
            } else if (name != null && seen.contains(name)) {
                metric.problem("name", "metric '" + name + "' is defined twice");
                name = null;
            }
            Pattern pattern = null;
            if (regex != null) {
                try {
                    pattern = Pattern.compile(regex);
                    if (pattern.matcher("").groupCount() < 1) {
                        metric.problem("regex", "'" + regex + "' has no capturing group; wrap the number in ( ), "
                                + "such as 'accuracy=([0-9.]+)'");
                        pattern = null;
                    }
                } catch (PatternSyntaxException e) {
                    metric.problem("regex", "'" + regex + "' is not a valid regular expression: "
                            + e.getDescription());
                }
            }
            if (name != null && pattern != null) {
                seen.add(name);
                out.add(new TrainConfig.Metric(name, pattern));
            }
        }
        return out;
    }

    private static TrainConfig.Resources resources(YamlMap train) {
        YamlMap r = train.map("resources", List.of("cpu", "memory", "gpu"));
        if (r == null) {
            return new TrainConfig.Resources(Optional.empty(), Optional.empty(), 0);
        }
        Integer gpu = r.integer("gpu", 0, 64);
        return new TrainConfig.Resources(Optional.ofNullable(Quantities.cpu(r, "cpu")),
                Optional.ofNullable(Quantities.memory(r, "memory")), gpu == null ? 0 : gpu);
    }

    private static TrainConfig.Kubernetes kubernetes(YamlMap train) {
        YamlMap k = train.map("kubernetes", KUBERNETES_KEYS);
        if (k == null) {
            return new TrainConfig.Kubernetes(Optional.empty(), Optional.empty(), Map.of(), List.of(), List.of(),
                    Map.of());
        }
        String namespace = k.matching("namespace", Patterns.DNS_LABEL, Patterns.DNS_LABEL_RULE);
        String serviceAccount = k.matching("service_account", Patterns.DNS_LABEL, Patterns.DNS_LABEL_RULE);
        Map<String, String> env = orEmpty(k.entriesOf("env", false, (owner, name, node) -> {
            if (!Patterns.ENV_NAME.matcher(name).matches()) {
                owner.keyProblem(name, "'" + name + "' is not a valid environment variable name; use letters, "
                        + "digits and _");
            }
            return owner.string(name);
        }));
        List<String> secrets = new ArrayList<>();
        List<Node> secretNodes = k.list("secrets");
        for (int i = 0; secretNodes != null && i < secretNodes.size(); i++) {
            String path = k.child("secrets") + "[" + i + "]";
            String secret = k.scalarText(secretNodes.get(i), path, "a Secret name");
            if (secret != null && !secret.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
                k.file().problem(k.file().position(secretNodes.get(i)), path, "'" + secret + "' is not a valid "
                        + "Kubernetes Secret name; use lowercase letters, digits, '-' and '.'");
            } else if (secret != null) {
                secrets.add(secret);
            }
        }
        return new TrainConfig.Kubernetes(Optional.ofNullable(namespace), Optional.ofNullable(serviceAccount),
                orEmpty(k.stringMap("node_selector")), tolerations(k), secrets, env);
    }

    private static List<TrainConfig.Toleration> tolerations(YamlMap k) {
        List<Node> items = k.list("tolerations");
        List<TrainConfig.Toleration> out = new ArrayList<>();
        if (items == null) {
            return out;
        }
        for (int i = 0; i < items.size(); i++) {
            YamlMap t = k.asMap(items.get(i), k.child("tolerations") + "[" + i + "]",
                    List.of("key", "operator", "value", "effect", "toleration_seconds"));
            if (t == null) {
                continue;
            }
            String operator = Optional.ofNullable(t.choice("operator", List.of("Exists", "Equal"))).orElse("Equal");
            String effect = t.choice("effect", List.of("NoSchedule", "PreferNoSchedule", "NoExecute"));
            Integer seconds = t.integer("toleration_seconds", 0, Integer.MAX_VALUE);
            if (operator.equals("Exists") && t.has("value")) {
                t.problem("value", "a toleration with operator Exists must not have a value");
            }
            out.add(new TrainConfig.Toleration(Optional.ofNullable(t.string("key")), operator,
                    Optional.ofNullable(t.string("value")), Optional.ofNullable(effect),
                    Optional.ofNullable(seconds).map(Integer::longValue)));
        }
        return out;
    }

    private static TrainConfig.SageMaker sagemaker(YamlMap train) {
        YamlMap s = train.map("sagemaker", SAGEMAKER_KEYS);
        if (s == null) {
            return new TrainConfig.SageMaker(Optional.empty(), "ml.m5.large", 1, 30, false, Optional.empty(),
                    Optional.empty(), Optional.empty());
        }
        String role = s.matching("role_arn", Patterns.ROLE_ARN,
                "use an IAM role ARN such as arn:aws:iam::123456789012:role/SageMakerRole");
        String instanceType = s.matching("instance_type", Patterns.INSTANCE_TYPE,
                "use a SageMaker instance type such as ml.m5.large or ml.g5.xlarge");
        Integer count = s.integer("instance_count", 1, 100);
        Integer volume = s.integer("volume_gb", 1, 16384);
        Boolean spot = s.bool("spot");
        String region = s.matching("region", Patterns.REGION, "use an AWS region such as eu-west-1");
        String checkpoint = s.matching("checkpoint_uri", Patterns.S3_URI, "use s3://bucket/prefix");
        return new TrainConfig.SageMaker(Optional.ofNullable(role),
                instanceType == null ? "ml.m5.large" : instanceType,
                count == null ? 1 : count, volume == null ? 30 : volume, Boolean.TRUE.equals(spot),
                Optional.ofNullable(s.duration("max_wait")), Optional.ofNullable(region),
                Optional.ofNullable(checkpoint));
    }

    static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
