package io.jenkins.plugins.cd4ml.pipeline;

import io.jenkins.plugins.cd4ml.image.SecretRedactor;
import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * Writes cd4ml's progress lines (as the CLI prints them to a log) into the build log, with every
 * secret of the step masked. Runs on the agent, beside the engine.
 */
final class LogLines implements Consumer<String> {

    private final PrintStream log;
    private final SecretRedactor redactor;

    LogLines(PrintStream log, SecretRedactor redactor) {
        this.log = log;
        this.redactor = redactor;
    }

    @Override
    public synchronized void accept(String line) {
        log.println(redactor.redact(line));
        log.flush();
    }
}
