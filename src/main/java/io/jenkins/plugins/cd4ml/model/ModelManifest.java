package io.jenkins.plugins.cd4ml.model;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a trained model is and where it came from; written as {@code model.json} inside the model
 * artifact, next to it in the model store, and into serving image labels. Serializable (it
 * crosses the Jenkins controller/agent channel inside results); absent values are null fields
 * behind {@link Optional} accessors and are left out of {@code model.json}.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
public final class ModelManifest implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The manifest format written by this engine. */
    public static final int SCHEMA = 1;

    /** The file name of the manifest inside and beside an artifact. */
    public static final String FILE_NAME = "model.json";

    private final int schema;
    private final String project;
    private final String version;
    private final String digest;
    private final Instant created;
    private final GitInfo git;
    private final String target;
    private final List<String> classes;
    private final String idField;
    private final List<DataInput> data;
    private final Map<String, String> hyperparameters;
    private final Map<String, Double> metrics;
    private final BackendInfo backend;
    private final String runId;
    private final TrainingEnvironment environment;

    /**
     * @param version the content-addressed model version (first 12 hex digits of {@code digest})
     * @param digest {@code sha256:<hex>} of the model files (not of the archive, which holds this manifest)
     * @param data the data each channel held, with its content hash
     * @param hyperparameters the hyperparameters as the script received them (text)
     */
    public ModelManifest(int schema, String project, String version, String digest, Instant created,
            Optional<GitInfo> git, String target, List<String> classes, Optional<String> idField,
            List<DataInput> data, Map<String, String> hyperparameters, Map<String, Double> metrics,
            BackendInfo backend, String runId) {
        this(schema, project, version, digest, created, git.orElse(null), target, classes, idField.orElse(null), data,
                hyperparameters, metrics, backend, runId, null);
    }

    @JsonCreator
    ModelManifest(@JsonProperty("schema") int schema, @JsonProperty("project") String project,
            @JsonProperty("version") String version, @JsonProperty("digest") String digest,
            @JsonProperty("created") Instant created, @JsonProperty("git") GitInfo git,
            @JsonProperty("target") String target, @JsonProperty("classes") List<String> classes,
            @JsonProperty("id_field") String idField, @JsonProperty("data") List<DataInput> data,
            @JsonProperty("hyperparameters") Map<String, String> hyperparameters,
            @JsonProperty("metrics") Map<String, Double> metrics, @JsonProperty("backend") BackendInfo backend,
            @JsonProperty("run_id") String runId, @JsonProperty("environment") TrainingEnvironment environment) {
        this.schema = schema;
        this.project = project;
        this.version = version;
        this.digest = digest;
        this.created = created;
        this.git = git;
        this.target = target;
        this.classes = classes == null ? List.of() : List.copyOf(classes);
        this.idField = idField;
        this.data = data == null ? List.of() : List.copyOf(data);
        this.hyperparameters = hyperparameters == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
        this.metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        this.backend = backend;
        this.runId = runId;
        this.environment = environment;
    }

    /** This manifest with the library versions of the environment the model was trained in. */
    public ModelManifest withEnvironment(TrainingEnvironment trainedWith) {
        return new ModelManifest(schema, project, version, digest, created, git, target, classes, idField, data,
                hyperparameters, metrics, backend, runId, trainedWith);
    }

    public int schema() {
        return schema;
    }

    public String project() {
        return project;
    }

    /** The content-addressed model version (first 12 hex digits of {@link #digest()}). */
    public String version() {
        return version;
    }

    /** {@code sha256:<hex>} of the model files (not of the archive, which holds this manifest). */
    public String digest() {
        return digest;
    }

    public Instant created() {
        return created;
    }

    /** The commit the model was trained from, if the project is in Git. */
    public Optional<GitInfo> git() {
        return Optional.ofNullable(git);
    }

    public String target() {
        return target;
    }

    public List<String> classes() {
        return classes;
    }

    /** The request field copied into prediction logs, if configured. */
    public Optional<String> idField() {
        return Optional.ofNullable(idField);
    }

    /** The data each channel held, with its content hash. */
    public List<DataInput> data() {
        return data;
    }

    /** The hyperparameters as the script received them (text). */
    public Map<String, String> hyperparameters() {
        return hyperparameters;
    }

    public Map<String, Double> metrics() {
        return metrics;
    }

    public BackendInfo backend() {
        return backend;
    }

    public String runId() {
        return runId;
    }

    /**
     * The library versions of the training environment (Python, scikit-learn, the packages of
     * {@code requirements.txt}), if the training command ran Python where cd4ml could ask it.
     */
    public Optional<TrainingEnvironment> environment() {
        return Optional.ofNullable(environment);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelManifest m && schema == m.schema && Objects.equals(project, m.project)
                && Objects.equals(version, m.version) && Objects.equals(digest, m.digest)
                && Objects.equals(created, m.created) && Objects.equals(git, m.git) && Objects.equals(target, m.target)
                && classes.equals(m.classes) && Objects.equals(idField, m.idField) && data.equals(m.data)
                && hyperparameters.equals(m.hyperparameters) && metrics.equals(m.metrics)
                && Objects.equals(backend, m.backend) && Objects.equals(runId, m.runId)
                && Objects.equals(environment, m.environment);
    }

    @Override
    public int hashCode() {
        return Objects.hash(project, version, digest, runId);
    }

    @Override
    public String toString() {
        return "ModelManifest[" + project + " " + version + ", run " + runId + "]";
    }

    /** The commit the model was trained from. */
    public record GitInfo(String commit, @JsonProperty("short") String shortCommit, boolean dirty)
            implements Serializable {
    }

    /** One input channel: where it came from and a hash of its content. */
    public record DataInput(String channel, String uri, String sha256) implements Serializable {
    }

    /**
     * The library versions a model was trained with, which the serving image installs where its
     * base allows and the server compares with its own.
     *
     * @param python the interpreter's version, e.g. {@code 3.11.2}
     * @param packages installed version by canonical project name ({@code scikit-learn}), for
     *     scikit-learn and every package {@code requirements.txt} names
     */
    public record TrainingEnvironment(String python, Map<String, String> packages) implements Serializable {

        public TrainingEnvironment {
            packages = packages == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(packages));
        }
    }

    /** Which backend trained the model and its job id there. */
    public record BackendInfo(String name, String jobId) implements Serializable {
    }
}
