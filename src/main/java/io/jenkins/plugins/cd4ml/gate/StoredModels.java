package io.jenkins.plugins.cd4ml.gate;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The manifests of the models under {@code train.output} (a directory or an {@code s3://} prefix),
 * and the model a candidate is compared with: for {@code previous}, the model {@code LATEST} names
 * (the last one promoted) unless it is one of the models of this run, else the newest earlier one;
 * for {@code deployed[:ENV]}, the stored model that {@link #withDeployed} says serves there.
 */
public final class StoredModels implements ChampionLookup {

    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}");

    private final ProjectConfig config;
    private final Supplier<S3Transfers> s3;
    private final Set<String> excluded = new HashSet<>();
    private DeployedVersions deployed;
    private Optional<String> environment = Optional.empty();

    private StoredModels(ProjectConfig config, Supplier<S3Transfers> s3) {
        this.config = config;
        this.s3 = s3;
    }

    /**
     * The models of {@code config}'s project.
     *
     * @param s3 gives S3 access when {@code train.output} is an {@code s3://} prefix (called on first use)
     */
    public static StoredModels of(ProjectConfig config, Supplier<S3Transfers> s3) {
        return new StoredModels(config, s3);
    }

    /** Never offers these versions as the previous model (the trials of the run being gated). */
    public StoredModels excluding(Iterable<String> versions) {
        versions.forEach(excluded::add);
        return this;
    }

    /**
     * Answers {@code compare_to: deployed[:ENV]} with the model {@code versions} says serves there,
     * read from this store; {@code deployed} without an environment means {@code environment}
     * (the run's deploy environment; empty for the deploy section's own settings).
     */
    public StoredModels withDeployed(DeployedVersions versions, Optional<String> environment) {
        this.deployed = versions;
        this.environment = environment;
        return this;
    }

    @Override
    public Optional<ModelManifest> find(String compareTo, ModelManifest candidate) {
        if (compareTo.equals("deployed") || compareTo.startsWith("deployed:")) {
            return deployed(compareTo);
        }
        Set<String> skip = new HashSet<>(excluded);
        skip.add(candidate.version());
        Optional<String> latest = latestVersion();
        if (latest.isPresent() && !skip.contains(latest.get())) {
            Optional<ModelManifest> promoted = manifest(latest.get());
            if (promoted.isPresent()) {
                return promoted;
            }
        }
        return all().stream()
                .filter(m -> !skip.contains(m.version()))
                .filter(m -> m.created() != null && m.created().isBefore(candidate.created()))
                .max(Comparator.comparing(ModelManifest::created));
    }

    /** The manifest of the model serving where {@code compareTo} points; empty when nothing serves there. */
    private Optional<ModelManifest> deployed(String compareTo) {
        if (deployed == null) {
            throw Cd4mlException.badInput("quality_gate.compare_to: " + compareTo + " compares with the deployed "
                    + "model, which this caller cannot look up", "run the gate through cd4ml gate, cd4ml tune or "
                    + "cd4ml run, or use compare_to: previous");
        }
        int colon = compareTo.indexOf(':');
        Optional<String> env = colon > 0 ? Optional.of(compareTo.substring(colon + 1)) : environment;
        String where = env.map(e -> "environment " + e).orElse("the deploy section's target");
        Optional<String> version = deployed.serving(env).map(String::strip).filter(v -> !v.isEmpty());
        if (version.isEmpty()) {
            return Optional.empty();
        }
        if (!VERSION.matcher(version.get()).matches()) {
            throw Cd4mlException.workFailed("what serves in " + where + " names model '" + version.get()
                    + "', which is not a cd4ml model version, so the gate cannot compare with it", "deploy a model "
                    + "cd4ml trained (cd4ml deploy), or use compare_to: previous", null);
        }
        return Optional.of(manifest(version.get()).orElseThrow(() -> Cd4mlException.workFailed("model "
                + version.get() + " serves in " + where + ", but " + config.train().output() + " has no model "
                + version.get() + " of " + config.name() + ", so its metrics are unknown and the gate cannot compare "
                + "with it", "keep train.output where the deployed model was stored, or use compare_to: previous",
                null)));
    }

    /** The version {@code LATEST} names (the promoted model), if any. */
    public Optional<String> latestVersion() {
        return ModelLocator.forProject(config, s3, Advice.CLI).promotedVersion();
    }

    /** The manifest of {@code version}, if that model is stored. */
    public Optional<ModelManifest> manifest(String version) {
        if (!VERSION.matcher(version).matches()) {
            throw Cd4mlException.badInput("'" + version + "' is not a model version", "give the 12 hex digits "
                    + "cd4ml train printed as the model version, e.g. 1f0c2a9b3d4e");
        }
        return read(version + "/" + ModelManifest.FILE_NAME).map(json -> {
            try {
                return Json.mapper().readValue(json, ModelManifest.class);
            } catch (IOException e) {
                throw Cd4mlException.workFailed("the manifest of model " + version + " in " + config.train().output()
                        + " is not readable: " + e.getMessage(), "train the model again", e);
            }
        });
    }

    /**
     * Each model version's metrics from its stored {@code model.json}, read once per version, for
     * listings such as {@code cd4ml history}: empty when the model is not stored or the store
     * cannot be read (there the store is a help: an unreachable bucket must not hide the list).
     */
    public Function<String, Map<String, Double>> metricsByVersion() {
        Map<String, Map<String, Double>> read = new ConcurrentHashMap<>();
        return version -> read.computeIfAbsent(version, v -> {
            try {
                return manifest(v).map(ModelManifest::metrics).orElse(Map.of());
            } catch (RuntimeException e) {
                return Map.of();
            }
        });
    }

    /** Every stored model's manifest. */
    public List<ModelManifest> all() {
        List<ModelManifest> manifests = new ArrayList<>();
        for (String version : versions()) {
            manifest(version).ifPresent(manifests::add);
        }
        return manifests;
    }

    private List<String> versions() {
        String output = config.train().output();
        if (output.startsWith("s3://")) {
            S3Location project = S3Location.parse(output).child(config.name());
            Set<String> versions = new HashSet<>();
            for (S3Object object : s3.get().list(project)) {
                String rest = object.key().substring(project.prefix().length());
                int slash = rest.indexOf('/');
                if (slash > 0 && VERSION.matcher(rest.substring(0, slash)).matches()) {
                    versions.add(rest.substring(0, slash));
                }
            }
            return List.copyOf(versions);
        }
        Path dir = config.resolve(output).resolve(config.name());
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.map(p -> p.getFileName().toString()).filter(n -> VERSION.matcher(n).matches()).toList();
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot list the models in " + dir + ": " + e.getMessage(),
                    "check the permissions of " + dir, e);
        }
    }

    private Optional<String> read(String relative) {
        String output = config.train().output();
        try {
            if (output.startsWith("s3://")) {
                S3Location location = S3Location.parse(output).child(config.name()).child(relative);
                if (s3.get().list(location).stream().noneMatch(o -> o.key().equals(location.key()))) {
                    return Optional.empty();
                }
                Path scratch = Files.createTempDirectory("cd4ml-gate");
                try {
                    s3.get().download(location, scratch);
                    Path file = scratch.resolve(Path.of(location.key()).getFileName().toString());
                    return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
                } finally {
                    TemporaryDirectory.deleteQuietly(scratch);
                }
            }
            Path file = config.resolve(output).resolve(config.name()).resolve(relative);
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8))
                    : Optional.empty();
        } catch (IOException e) {
            throw Cd4mlException.workFailed("cannot read " + relative + " of " + config.name() + " in " + output
                    + ": " + e.getMessage(), "check that " + output + " is readable", e);
        }
    }
}
