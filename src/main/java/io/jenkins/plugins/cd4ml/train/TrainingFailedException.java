package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;

/** The training script (or the backend running it) failed; the message carries its failure text. */
public final class TrainingFailedException extends Cd4mlException {

    private static final long serialVersionUID = 1L;

    public TrainingFailedException(String message, String suggestion) {
        super(message, suggestion, false, null);
    }
}
