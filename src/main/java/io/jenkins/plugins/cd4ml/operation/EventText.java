package io.jenkins.plugins.cd4ml.operation;

import io.jenkins.plugins.cd4ml.event.Event;
import java.util.Locale;
import java.util.Optional;

/**
 * One line of plain text per engine event, for logs that are not terminals (a Jenkins build log):
 * the same wording as the CLI's progress output, without colours or redrawing.
 */
public final class EventText {

    private EventText() {
    }

    /** The line for {@code event}; empty for debugging messages, which build logs leave out. */
    public static Optional<String> line(Event event) {
        if (event instanceof Event.StageStarted s) {
            return Optional.of("==> " + s.stage() + ": " + s.description());
        }
        if (event instanceof Event.StageFinished f) {
            return Optional.of("==> " + f.stage() + ": " + f.status().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + " - " + f.summary());
        }
        if (event instanceof Event.LogLine l) {
            return Optional.of("  | " + l.line());
        }
        if (event instanceof Event.Message m && m.level() != Event.Level.DEBUG) {
            return Optional.of((m.level() == Event.Level.WARNING ? "warning: " : "    ") + m.text());
        }
        return Optional.empty();
    }
}
