package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The terminal: renders engine events as they come and prints results.
 *
 * <p>With {@code --json}, stdout carries exactly one JSON document and all progress goes to
 * stderr, so {@code cd4ml train --json > result.json} works. With {@code --quiet}, progress and
 * script output are not shown at all.
 */
final class Console implements EventSink {

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;
    private final boolean quiet;

    Console(PrintWriter out, PrintWriter err, boolean json, boolean quiet) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.quiet = quiet;
    }

    boolean json() {
        return json;
    }

    /** Where human-readable progress goes. */
    private PrintWriter progress() {
        return json ? err : out;
    }

    @Override
    public synchronized void accept(Event event) {
        if (quiet) {
            return;
        }
        PrintWriter p = progress();
        if (event instanceof Event.StageStarted s) {
            p.println("==> " + s.stage() + ": " + s.description());
        } else if (event instanceof Event.StageFinished f) {
            p.println("==> " + f.stage() + ": " + label(f.status()) + " - " + f.summary());
        } else if (event instanceof Event.LogLine l) {
            p.println("  | " + l.line());
        } else if (event instanceof Event.Message m && m.level() != Event.Level.DEBUG) {
            p.println((m.level() == Event.Level.WARNING ? "warning: " : "    ") + m.text());
        }
        p.flush();
    }

    static String label(StageStatus status) {
        return status.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** Prints a result: as JSON with {@code --json}, else the human summary. */
    void result(Object result, String humanSummary) {
        if (json) {
            printJson(result);
        } else {
            out.print(humanSummary);
            out.flush();
        }
    }

    void printJson(Object document) {
        try {
            out.println(Json.mapper().writeValueAsString(document));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prints an error for people on stderr. */
    void error(String text) {
        err.println(text);
        err.flush();
    }
}
