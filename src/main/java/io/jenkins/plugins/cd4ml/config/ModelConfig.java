package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code model} section: what the model predicts and how requests are described.
 *
 * @param features the features file (request schema of the served model)
 * @param target the name of the predicted column
 * @param classes class names, in the order the estimator's probabilities use; empty if not given
 * @param idField a request field passed through to prediction logs
 */
public record ModelConfig(Path features, String target, List<String> classes, Optional<String> idField) {
}
