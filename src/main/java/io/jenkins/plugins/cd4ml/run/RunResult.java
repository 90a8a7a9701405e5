package io.jenkins.plugins.cd4ml.run;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of the main job: every stage in order, and what the stages that ran produced
 * (each under its result name: {@code training}, {@code image}, …, which are also fields of the
 * JSON document). Serializable, with absent values as null fields behind {@link Optional}
 * accessors.
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE)
@JsonPropertyOrder({"project", "status", "stages", "error", "report"})
public final class RunResult implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Every stage succeeded, was skipped or is not available. */
    public static final String SUCCEEDED = "succeeded";
    /** A stage failed. */
    public static final String FAILED = "failed";
    /** The run was stopped on request. */
    public static final String STOPPED = "stopped";

    private final String project;
    private final String status;
    private final List<StageResult> stages;
    @JsonIgnore // written through outputs(), one JSON field per result
    private final LinkedHashMap<String, Serializable> outputs;
    private final String error;
    private final String report;

    /**
     * @param status {@link #SUCCEEDED}, {@link #FAILED} or {@link #STOPPED}
     * @param outputs what the stages produced, by result name
     * @param error what failed and what to do, or what was stopped; null when it succeeded
     */
    public RunResult(String project, String status, List<StageResult> stages, Map<String, Serializable> outputs,
            String error) {
        this(project, status, stages, outputs, error, null);
    }

    private RunResult(String project, String status, List<StageResult> stages, Map<String, Serializable> outputs,
            String error, String report) {
        this.project = project;
        this.status = status;
        this.stages = List.copyOf(stages);
        this.outputs = new LinkedHashMap<>(outputs);
        this.error = error;
        this.report = report;
    }

    /** This result with the path of the run's {@code report.html} (the {@code report} field of the JSON document). */
    public RunResult withReport(String report) {
        return new RunResult(project, status, stages, outputs, error, report);
    }

    public String project() {
        return project;
    }

    /** {@code succeeded}, {@code failed} or {@code stopped}. */
    public String status() {
        return status;
    }

    /** Every stage of the job, in order. */
    public List<StageResult> stages() {
        return stages;
    }

    /** True if no stage failed and the run was not stopped. */
    public boolean succeeded() {
        return status.equals(SUCCEEDED);
    }

    /** True if the run was stopped on request. */
    public boolean stopped() {
        return status.equals(STOPPED);
    }

    /** What failed (and what to do) or what was stopped, unless the run succeeded. */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    /** The path of the run's {@code report.html}, if it was written. */
    public Optional<String> report() {
        return Optional.ofNullable(report);
    }

    /** What the stage that names its result {@code name} produced, if it ran. */
    public <T> Optional<T> output(String name, Class<T> type) {
        return Optional.ofNullable(outputs.get(name)).filter(type::isInstance).map(type::cast);
    }

    /** The training result, if the train stage ran. */
    public Optional<TrainingResult> training() {
        return output(TrainStage.RESULT, TrainingResult.class);
    }

    /** The serving image, if the image stage built one. */
    public Optional<ImageResult> image() {
        return output(ImageStage.RESULT, ImageResult.class);
    }

    /** What the stages produced, as fields of the JSON document. */
    @JsonAnyGetter
    Map<String, Serializable> outputs() {
        return Collections.unmodifiableMap(outputs);
    }
}
