package io.jenkins.plugins.cd4ml.pipeline;

import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.SecretRedactor;
import io.jenkins.plugins.cd4ml.operation.EventText;
import java.io.PrintStream;

/**
 * Writes the engine's events into the build log, one line each (as the CLI prints them), with
 * every secret of the step masked. Runs on the agent, beside the engine.
 */
final class LogEventSink implements EventSink {

    private final PrintStream log;
    private final SecretRedactor redactor;

    LogEventSink(PrintStream log, SecretRedactor redactor) {
        this.log = log;
        this.redactor = redactor;
    }

    @Override
    public synchronized void accept(Event event) {
        EventText.line(event).ifPresent(line -> {
            log.println(redactor.redact(line));
            log.flush();
        });
    }
}
