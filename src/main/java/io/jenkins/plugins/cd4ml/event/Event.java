package io.jenkins.plugins.cd4ml.event;

import io.jenkins.plugins.cd4ml.tune.Trial;
import java.io.Serializable;
import java.util.Map;

/**
 * Something the engine reports while it works. Front ends render events: the CLI for a terminal,
 * the Jenkins layers into a build log. The engine itself never prints. Events are serializable
 * records without {@code Optional} fields, so an agent can send them to the controller.
 */
public sealed interface Event extends Serializable permits Event.StageStarted, Event.StageFinished, Event.LogLine,
        Event.Message, Event.TrialStarted, Event.TrialFinished {

    /** A stage of the main job (validate, train, tune, gate, image, deploy) started. */
    record StageStarted(String stage, String description) implements Event {
    }

    /** A stage ended; {@code summary} is one line for humans. */
    record StageFinished(String stage, StageStatus status, String summary) implements Event {
    }

    /** One line of output from work running elsewhere (a training script, a container, a job). */
    record LogLine(String source, String line) implements Event {
    }

    /** A tune started trial {@code number} with these hyperparameters. */
    record TrialStarted(int number, Map<String, String> parameters) implements Event {
    }

    /**
     * A trial of a tune ended: one row of the trial table.
     *
     * @param objective the objective metric's name
     * @param finished how many trials have ended, this one included
     * @param total how many trials the tune runs at most
     * @param best the best objective value so far, or null if no trial completed yet
     */
    record TrialFinished(String objective, Trial trial, int finished, int total,
            Double best) implements Event {
    }

    /** A note from the engine about what it is doing. */
    record Message(Level level, String text) implements Event {
    }

    /** Importance of a {@link Message}. */
    enum Level { DEBUG, INFO, WARNING }
}
