package io.jenkins.plugins.cd4ml;

import java.util.Optional;

/**
 * Base of every error the engine raises on purpose.
 *
 * <p>Each carries what failed (the message), and optionally what to do about it (the
 * suggestion), so that every front end can print "what failed — why — what to do" without
 * knowing the engine's internals. {@link #isUserError()} separates mistakes in the user's
 * configuration or invocation (exit code 2) from failures of the work itself (exit code 1).
 */
public class Cd4mlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String suggestion;
    private final boolean userError;

    public Cd4mlException(String message, String suggestion, boolean userError, Throwable cause) {
        super(message, cause);
        this.suggestion = suggestion;
        this.userError = userError;
    }

    /** A failure of the work (training failed, a service answered with an error). */
    public static Cd4mlException workFailed(String message, String suggestion, Throwable cause) {
        return new Cd4mlException(message, suggestion, false, cause);
    }

    /** A mistake in the configuration or the invocation that the user can fix. */
    public static Cd4mlException badInput(String message, String suggestion) {
        return new Cd4mlException(message, suggestion, true, null);
    }

    /** What the user can do about it, if the engine knows. */
    public Optional<String> suggestion() {
        return Optional.ofNullable(suggestion);
    }

    /** True for mistakes in config or usage (exit code 2), false for failed work (exit code 1). */
    public boolean isUserError() {
        return userError;
    }
}
