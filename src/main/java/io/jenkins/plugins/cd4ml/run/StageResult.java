package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.event.StageStatus;
import java.io.Serializable;

/** How one stage of the main job ended, with one line for humans. */
public record StageResult(String name, StageStatus status, String summary) implements Serializable {
}
