package io.jenkins.plugins.cd4ml.gate;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
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
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The manifests of the models under {@code train.output} (a directory or an {@code s3://} prefix),
 * and the {@code previous} model a candidate is compared with: the model {@code LATEST} names
 * (the last one promoted) unless it is one of the models of this run, else the newest earlier one.
 */
public final class StoredModels implements ChampionLookup {

    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}");

    private final ProjectConfig config;
    private final Supplier<S3Transfers> s3;
    private final Set<String> excluded = new HashSet<>();

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

    @Override
    public Optional<ModelManifest> find(String compareTo, ModelManifest candidate) {
        if (!compareTo.equals("previous")) {
            throw Cd4mlException.badInput("quality_gate.compare_to: " + compareTo + " compares with the deployed "
                    + "model, which this version of cd4ml cannot look up yet", "use compare_to: previous (the newest "
                    + "earlier model in " + config.train().output() + ")");
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

    /** The version {@code LATEST} names, if any. */
    public Optional<String> latestVersion() {
        Optional<String> text = read("LATEST");
        return text.map(String::strip).filter(v -> !v.isEmpty());
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
