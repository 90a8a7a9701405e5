package io.jenkins.plugins.cd4ml;

import io.jenkins.plugins.cd4ml.engine.Advice;
import java.util.Optional;

/**
 * Base of every error the engine raises on purpose.
 *
 * <p>Each carries what failed (the message), and optionally what to do about it (the
 * suggestion), so that every front end can print "what failed — why — what to do" without
 * knowing the engine's internals. {@link #isUserError()} separates mistakes in the user's
 * configuration or invocation (exit code 2) from failures of the work itself (exit code 1).
 *
 * <p>Messages name options and operations the CLI's way ({@code --model}, {@code cd4ml train});
 * the operation that throws words them for its front end with {@link #adviseWith}.
 */
public class Cd4mlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String suggestion;
    private final boolean userError;
    private Advice advice;

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

    /**
     * Words this error's option and operation names for a front end (see {@link Advice#render});
     * the first advice given wins, so an inner operation's front end is kept.
     *
     * @return this exception
     */
    public synchronized Cd4mlException adviseWith(Advice advice) {
        if (this.advice == null) {
            this.advice = advice;
        }
        return this;
    }

    @Override
    public String getMessage() {
        Advice a = currentAdvice();
        return a == null ? super.getMessage() : a.render(super.getMessage());
    }

    /** What the user can do about it, if the engine knows. */
    public Optional<String> suggestion() {
        Advice a = currentAdvice();
        return Optional.ofNullable(a == null ? suggestion : a.render(suggestion));
    }

    private synchronized Advice currentAdvice() {
        return advice;
    }

    /** True for mistakes in config or usage (exit code 2), false for failed work (exit code 1). */
    public boolean isUserError() {
        return userError;
    }
}
