package io.jenkins.plugins.cd4ml.event;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a stage of the main job ended. */
public enum StageStatus {
    /** It ran and did its work. */
    SUCCEEDED,
    /** It ran and the work failed. */
    FAILED,
    /** The configuration does not ask for it. */
    SKIPPED,
    /** The configuration asks for it but this version of cd4ml cannot do it yet. */
    NOT_AVAILABLE,
    /** An earlier stage failed or was stopped, so it did not run. */
    NOT_RUN,
    /** It was stopped on request (Ctrl-C, SIGTERM, a Jenkins abort) before it finished. */
    STOPPED;

    /** The lowercase name used in JSON results, such as {@code not_available}. */
    @JsonValue
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
