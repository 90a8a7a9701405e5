package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.image.ImageResult;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of the main job: every stage in order, and the results of the stages that ran.
 *
 * @param image the serving image, when the image stage built one
 * @param status {@code succeeded} if no stage failed, else {@code failed}
 * @param error what failed and what to do, when a stage failed
 */
public record RunResult(String project, String status, List<StageResult> stages, Optional<TrainingResult> training,
        Optional<ImageResult> image, Optional<String> error) {

    /** True if no stage failed. */
    public boolean succeeded() {
        return status.equals("succeeded");
    }
}
