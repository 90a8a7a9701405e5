package io.jenkins.plugins.cd4ml.tune;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a trial of a tune ended. */
public enum TrialStatus {
    /** It trained, reported the objective and stored its model. */
    COMPLETED,
    /** The pruner stopped it early because its intermediate values were not promising. */
    PRUNED,
    /** Training failed (or did not report the objective). */
    FAILED,
    /** The tune was stopped (Ctrl-C, SIGTERM, abort, or too many failures) while it ran. */
    STOPPED;

    /** The lowercase name used in JSON results and tables. */
    @JsonValue
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
