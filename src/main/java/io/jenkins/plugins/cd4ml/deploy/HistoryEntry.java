package io.jenkins.plugins.cd4ml.deploy;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;

/**
 * One revision of a deployment: what it ran and whether it served.
 *
 * @param status Helm's ({@code deployed} = serving now, {@code superseded} = served before,
 *     {@code failed}, ...) or, for a local target, {@code deployed} (its container runs now),
 *     {@code superseded}, {@code stopped} (the last successful deploy, whose container was stopped
 *     or removed since: it served, nothing serves now) or {@code failed}
 * @param image the image the stable pods ran
 * @param canary the canary it ran too, or empty
 * @param metrics the model's metrics (from the model store, else the image's labels); empty if unknown
 */
public record HistoryEntry(int revision, Instant updated, String status, String description, String image,
        String modelVersion, String canary, Map<String, Double> metrics) implements Serializable {

    /** True for revisions that became the serving one (successful deploys, rollbacks). */
    public boolean served() {
        return status.equals("deployed") || status.equals("superseded") || status.equals("stopped");
    }
}
