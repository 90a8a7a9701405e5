package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

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
    private final boolean terminal;
    private List<String> trialColumns;
    private final Set<Integer> runningTrials = new TreeSet<>();
    private boolean statusLineShown;

    Console(PrintWriter out, PrintWriter err, boolean json, boolean quiet) {
        this(out, err, json, quiet, false);
    }

    /**
     * @param terminal true when progress goes to an interactive terminal: the trial table then keeps a
     *     live status line under it (elsewhere, as in a Jenkins log, one line per finished trial)
     */
    Console(PrintWriter out, PrintWriter err, boolean json, boolean quiet, boolean terminal) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.quiet = quiet;
        this.terminal = terminal;
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
        if (event instanceof Event.Message m && m.level() == Event.Level.DEBUG) {
            return;
        }
        PrintWriter p = progress();
        clearStatusLine(p);
        if (event instanceof Event.TrialStarted t) {
            runningTrials.add(t.number());
        } else if (event instanceof Event.TrialFinished f) {
            runningTrials.remove(f.trial().number());
            if (trialColumns == null) {
                trialColumns = new ArrayList<>(f.trial().parameters().keySet());
                p.println(TrialTable.header(f.objective(), trialColumns));
            }
            p.println(TrialTable.row(f.trial(), trialColumns, false));
        } else if (event instanceof Event.StageStarted s) {
            p.println("==> " + s.stage() + ": " + s.description());
        } else if (event instanceof Event.StageFinished f) {
            p.println("==> " + f.stage() + ": " + label(f.status()) + " - " + f.summary());
        } else if (event instanceof Event.LogLine l) {
            p.println("  | " + l.line());
        } else if (event instanceof Event.Message m) {
            p.println((m.level() == Event.Level.WARNING ? "warning: " : "    ") + m.text());
        }
        if (terminal && !runningTrials.isEmpty()) {
            p.print("  running trial" + (runningTrials.size() == 1 ? " " : "s ") + runningTrials.stream()
                    .map(String::valueOf).collect(Collectors.joining(", ")) + " ...");
            statusLineShown = true;
        }
        p.flush();
    }

    /** Removes the live status line under the trial table before anything else is printed. */
    private void clearStatusLine(PrintWriter p) {
        if (statusLineShown) {
            p.print("\r\u001b[2K");
            statusLineShown = false;
        }
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
