package io.jenkins.plugins.cd4ml.event;

/**
 * Something the engine reports while it works. Front ends render events: the CLI for a terminal,
 * the Jenkins layers into a build log. The engine itself never prints.
 */
public sealed interface Event permits Event.StageStarted, Event.StageFinished, Event.LogLine, Event.Message {

    /** A stage of the main job (validate, train, tune, gate, image, deploy) started. */
    record StageStarted(String stage, String description) implements Event {
    }

    /** A stage ended; {@code summary} is one line for humans. */
    record StageFinished(String stage, StageStatus status, String summary) implements Event {
    }

    /** One line of output from work running elsewhere (a training script, a container, a job). */
    record LogLine(String source, String line) implements Event {
    }

    /** A note from the engine about what it is doing. */
    record Message(Level level, String text) implements Event {
    }

    /** Importance of a {@link Message}. */
    enum Level { DEBUG, INFO, WARNING }
}
