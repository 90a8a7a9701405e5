package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One training run as a backend sees it.
 *
 * @param runId unique id of the run, usable as a job name (letters, digits, '-', at most 63)
 * @param project the validated project configuration
 * @param directory the run's {@code /opt/ml} layout on this machine, already holding the inputs
 * @param command the program and arguments to run, relative to the project directory
 * @param hyperparameters the hyperparameters as text, with overrides applied
 * @param timeout how long the script may run
 */
public record TrainingJob(
        String runId,
        ProjectConfig project,
        RunDirectory directory,
        List<String> command,
        Map<String, String> hyperparameters,
        Duration timeout) {
}
