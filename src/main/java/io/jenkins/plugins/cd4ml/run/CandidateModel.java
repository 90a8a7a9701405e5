package io.jenkins.plugins.cd4ml.run;

import java.io.Serializable;
import java.util.Map;

/**
 * The model a run is carrying through its stages: trained (or the best trial of a tuning), then
 * checked by the gate, promoted, baked into an image and deployed.
 *
 * @param version the content-addressed model version
 * @param uri where its {@code model.tar.gz} is stored
 * @param metrics its metrics
 */
public record CandidateModel(String version, String uri, Map<String, Double> metrics) implements Serializable {

    private static final long serialVersionUID = 1L;

    public CandidateModel {
        metrics = Map.copyOf(metrics);
    }
}
