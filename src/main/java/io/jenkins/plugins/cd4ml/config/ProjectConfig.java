package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A validated {@code config.yaml} (version 1) with the files it names, as the whole engine uses it.
 *
 * <p>Immutable. Obtain one with {@link ConfigLoader}. Optional sections are empty when the file
 * leaves them out. {@link #sources()} gives the file position of every setting, so later checks
 * can still point at {@code config.yaml:14:5}.
 *
 * @param directory the project (model repository) root; relative paths resolve against it
 * @param file the configuration file
 * @param name the project name (DNS-1123 label): names the job, image and Helm release
 * @param schedule optional Jenkins cron spec for scheduled retraining
 */
public record ProjectConfig(
        Path directory,
        Path file,
        String name,
        Optional<String> schedule,
        ModelConfig model,
        TrainConfig train,
        Optional<TuneConfig> tune,
        Optional<GateConfig> qualityGate,
        Optional<ServeConfig> serve,
        Optional<DeployConfig> deploy,
        Features features,
        SourceMap sources) {

    /** Resolves a path written in the configuration against the project directory. */
    public Path resolve(String relative) {
        return directory.resolve(relative).normalize();
    }

    /** Where a setting is written, such as {@code config.yaml:14:5}, for messages. */
    public Position where(String settingPath) {
        return sources.of(settingPath);
    }
}
