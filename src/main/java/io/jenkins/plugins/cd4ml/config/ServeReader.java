package io.jenkins.plugins.cd4ml.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the {@code serve} section. */
final class ServeReader {

    /** Placeholders a tag template may use. */
    static final List<String> TAG_PLACEHOLDERS = List.of("git_short_sha", "build_number", "model_version", "date");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");

    private ServeReader() {
    }

    static ServeConfig read(YamlMap root) {
        YamlMap serve = root.map("serve", List.of("image", "workers", "batching", "logging"));
        if (serve == null) {
            return null;
        }
        ServeConfig.Image image = image(serve);
        Integer workers = serve.integer("workers", 1, 64);
        ServeConfig.Batching batching = null;
        YamlMap b = serve.map("batching", List.of("max_batch_size", "max_latency_ms"));
        if (b != null) {
            Integer size = b.integer("max_batch_size", 1, 10_000);
            Double latency = b.number("max_latency_ms");
            if (latency != null && (latency < 0 || latency > 10_000)) {
                b.problem("max_latency_ms", latency + " is out of range; use 0 to 10000 milliseconds");
                latency = null;
            }
            batching = new ServeConfig.Batching(size == null ? 32 : size, latency == null ? 5 : latency);
        }
        return new ServeConfig(image, workers == null ? 1 : workers, Optional.ofNullable(batching), logging(serve));
    }

    private static ServeConfig.Image image(YamlMap serve) {
        YamlMap image = serve.map("image", List.of("repository", "tag", "base", "builder"));
        if (image == null) {
            if (!serve.has("image")) {
                serve.missing("image", "add image: {repository: docker.io/you/model}");
            }
            return null;
        }
        String repository = image.requiredString("repository", Patterns.IMAGE_REPOSITORY_RULE);
        if (repository != null && !Patterns.IMAGE_REPOSITORY.matcher(repository).matches()) {
            image.problem("repository", "'" + repository + "' is not a valid image repository; "
                    + Patterns.IMAGE_REPOSITORY_RULE + (repository.substring(repository.lastIndexOf('/') + 1)
                            .contains(":") ? " (put the tag in serve.image.tag)" : ""));
        }
        String tag = Optional.ofNullable(image.string("tag")).orElse("{model_version}");
        checkTag(image, tag);
        String builder = Optional.ofNullable(image.choice("builder", List.of("auto", "docker", "jib"))).orElse("auto");
        return new ServeConfig.Image(repository, tag, Optional.ofNullable(image.string("base")), builder);
    }

    private static void checkTag(YamlMap image, String tag) {
        Matcher m = PLACEHOLDER.matcher(tag);
        StringBuilder sample = new StringBuilder();
        while (m.find()) {
            if (!TAG_PLACEHOLDERS.contains(m.group(1))) {
                String near = YamlMap.closest(m.group(1), TAG_PLACEHOLDERS);
                image.problem("tag", "unknown placeholder {" + m.group(1) + "}"
                        + (near != null ? " (did you mean {" + near + "}?)" : "") + "; allowed: "
                        + String.join(", ", TAG_PLACEHOLDERS.stream().map(p -> "{" + p + "}").toList()));
                return;
            }
            m.appendReplacement(sample, "x");
        }
        m.appendTail(sample);
        if (!Patterns.TAG.matcher(sample).matches()) {
            image.problem("tag", "'" + tag + "' does not make a valid image tag; use up to 128 letters, digits, "
                    + "'_', '.' and '-' (not starting with '.' or '-') and the placeholders "
                    + String.join(", ", TAG_PLACEHOLDERS.stream().map(p -> "{" + p + "}").toList()));
        }
    }

    private static ServeConfig.Logging logging(YamlMap serve) {
        YamlMap logging = serve.map("logging", List.of("stdout", "fluentd"));
        if (logging == null) {
            return new ServeConfig.Logging(true, Optional.empty());
        }
        Boolean stdout = logging.bool("stdout");
        ServeConfig.Fluentd fluentd = null;
        YamlMap f = logging.map("fluentd", List.of("host", "port", "tag"));
        if (f != null) {
            String host = f.requiredString("host", "give the Fluentd service host, e.g. fluentd.logging.svc");
            Integer port = f.integer("port", 1, 65_535);
            String tag = f.matching("tag", Pattern.compile("[A-Za-z0-9_.-]+"),
                    "use letters, digits, '_', '.' and '-', e.g. cd4ml.predictions");
            fluentd = new ServeConfig.Fluentd(host, port == null ? 24_224 : port,
                    tag == null ? "cd4ml.predictions" : tag);
        }
        return new ServeConfig.Logging(stdout == null || stdout, Optional.ofNullable(fluentd));
    }
}
