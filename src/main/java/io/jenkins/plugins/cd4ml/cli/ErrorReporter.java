package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ConfigProblem;
import io.jenkins.plugins.cd4ml.config.InvalidConfigException;
import io.jenkins.plugins.cd4ml.engine.Advice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLI's one translation boundary: turns any error into "what failed — why — what to do", an
 * exit code (1 failed work, 2 bad usage or config) and, with {@code --json}, an error document.
 * Stack traces only with {@code --stacktrace}, or for bugs (errors the engine did not raise on
 * purpose), where they are what a bug report needs.
 */
final class ErrorReporter {

    static final int WORK_FAILED = 1;
    static final int BAD_INPUT = 2;

    private ErrorReporter() {
    }

    static int report(Throwable error, Console console, boolean stacktrace, String commandName) {
        if (error instanceof Cd4mlException known) {
            known.adviseWith(Advice.CLI); // errors the CLI raised itself; the engine's came advised
        }
        int exitCode;
        String text;
        Map<String, Object> document = new LinkedHashMap<>();
        if (error instanceof InvalidConfigException invalid) {
            exitCode = BAD_INPUT;
            text = "error: " + invalid.getMessage() + "\n" + "Run 'cd4ml validate' after fixing them; see the "
                    + "configuration reference in README.md.";
            document.put("problems", problems(invalid.problems()));
        } else if (error instanceof Cd4mlException known) {
            exitCode = known.isUserError() ? BAD_INPUT : WORK_FAILED;
            text = "error: " + known.getMessage() + known.suggestion().map(s -> "\n  what to do: " + s).orElse("");
            known.suggestion().ifPresent(s -> document.put("suggestion", s));
            if (known.isUserError()) {
                text += "\nRun 'cd4ml " + commandName + " --help' for usage.";
            }
        } else {
            exitCode = WORK_FAILED;
            text = "error: internal error in cd4ml: " + error + "\n  what to do: this is a bug; please report it with "
                    + "the output of the same command run with --stacktrace";
        }
        if (stacktrace || !(error instanceof Cd4mlException)) {
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            text += stacktrace ? "\n" + trace : "";
        }
        console.error(text);
        if (console.json()) {
            document.put("message", error instanceof Cd4mlException ? error.getMessage() : String.valueOf(error));
            console.printJson(Map.of("status", error instanceof OperationStoppedException ? "stopped" : "error",
                    "exit_code", exitCode, "error", document));
        }
        return exitCode;
    }

    private static List<Map<String, Object>> problems(List<ConfigProblem> problems) {
        return problems.stream().map(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", p.position().file().toString());
            m.put("line", p.position().line());
            m.put("column", p.position().column());
            m.put("setting", p.path());
            m.put("message", p.message());
            return m;
        }).toList();
    }
}
