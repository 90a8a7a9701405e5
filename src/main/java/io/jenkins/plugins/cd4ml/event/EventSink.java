package io.jenkins.plugins.cd4ml.event;

/** Receives the engine's events. Implementations must be thread-safe: events come from worker threads. */
@FunctionalInterface
public interface EventSink {

    /** A sink that drops everything. */
    EventSink NONE = event -> { };

    void accept(Event event);

    /** Shorthand for an informational {@link Event.Message}. */
    default void info(String text) {
        accept(new Event.Message(Event.Level.INFO, text));
    }

    /** Shorthand for a debugging {@link Event.Message}, which front ends may leave out. */
    default void debug(String text) {
        accept(new Event.Message(Event.Level.DEBUG, text));
    }

    /** Shorthand for a warning {@link Event.Message}. */
    default void warn(String text) {
        accept(new Event.Message(Event.Level.WARNING, text));
    }

    /** A sink that passes each event to this one and then to {@code next}. */
    default EventSink andThen(EventSink next) {
        return event -> {
            accept(event);
            next.accept(event);
        };
    }
}
