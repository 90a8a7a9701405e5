package io.jenkins.plugins.cd4ml.operation;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jenkins.plugins.cd4ml.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one operation ended, in the form every front end shares.
 *
 * <p>{@link #document()} is exactly what {@code cd4ml <command> --json} prints for the same
 * outcome (the operation's result, or {@code {"status":"error","exit_code":…,"error":{…}}}), as
 * plain maps, lists, text, numbers and booleans, so a Jenkinsfile gets the same fields from the
 * plugin's step as from the CLI.
 *
 * @param operation the operation's step name, such as {@code train}
 * @param status {@code succeeded}, {@code failed} (the work failed or the input was wrong) or
 *     {@code stopped} (cancelled, and what it started was stopped)
 * @param exitCode what the CLI would exit with: 0 succeeded, 1 the work failed or was stopped, 2
 *     bad usage or configuration
 * @param document the CLI's {@code --json} document
 * @param message what failed and what to do, for people; {@code null} when it succeeded
 */
public record OperationOutcome(String operation, String status, int exitCode, Map<String, Object> document,
        String message) {

    /** Succeeded. */
    public static final String SUCCEEDED = "succeeded";
    /** The work failed or the input was wrong. */
    public static final String FAILED = "failed";
    /** Cancelled on request; what was started has been stopped. */
    public static final String STOPPED = "stopped";

    @SuppressWarnings("unchecked")
    public OperationOutcome {
        // a deep copy into LinkedHashMap/ArrayList: the plugin sends the document from the agent to
        // the controller, where Jenkins deserializes only whitelisted JDK types (JEP-200), which
        // List.of/Stream.toList (java.util.CollSer) are not
        document = (LinkedHashMap<String, Object>) OptionValues.plain(document);
    }

    /** True if the operation did its work. */
    public boolean succeeded() {
        return SUCCEEDED.equals(status);
    }

    /** True if it was cancelled. */
    public boolean stopped() {
        return STOPPED.equals(status);
    }

    /** True if the failure is a mistake in usage or configuration (exit code 2). */
    public boolean userError() {
        return exitCode == 2;
    }

    /** {@link #document()} as the JSON text {@code --json} prints. */
    public String json() {
        try {
            return Json.mapper().writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("plain values always serialise", e);
        }
    }

    /** The headline figures of the outcome: model version, metrics, gate verdict, image, report. */
    public OutcomeSummary summary() {
        return OutcomeSummary.of(document);
    }
}
