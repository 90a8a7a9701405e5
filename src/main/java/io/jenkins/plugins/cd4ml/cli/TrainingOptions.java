package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.train.Trainer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Options that change how training runs. */
final class TrainingOptions {

    @Option(names = {"-b", "--backend"}, paramLabel = "BACKEND", converter = BackendConverter.class,
            description = "Train here instead of train.backend: local, docker, kubernetes or sagemaker.")
    TrainConfig.Backend backend;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "Train in this container image instead of train.image (docker, kubernetes, sagemaker).")
    String image;

    @Option(names = {"-p", "--hyperparameter"}, paramLabel = "NAME=VALUE",
            description = "Override a hyperparameter (repeatable), e.g. -p max_depth=6.")
    Map<String, String> hyperparameters = new LinkedHashMap<>();

    @Option(names = "--attach", paramLabel = "NAME",
            description = "Follow the existing training job NAME instead of starting one (e.g. after the machine that "
                    + "started it went away), then package and store its model as usual. sagemaker backend.")
    String attach;

    Trainer apply(Trainer trainer) {
        trainer.withHyperparameters(hyperparameters);
        return attach != null ? trainer.attachingTo(attach) : trainer;
    }

    /** Accepts backend names as written in config.yaml. */
    static final class BackendConverter implements ITypeConverter<TrainConfig.Backend> {
        @Override
        public TrainConfig.Backend convert(String value) {
            String name = value.toLowerCase(Locale.ROOT);
            if (!TrainConfig.Backend.configNames().contains(name)) {
                throw new TypeConversionException("'" + value + "' is not a backend; expected one of "
                        + String.join(", ", TrainConfig.Backend.configNames()));
            }
            return TrainConfig.Backend.fromConfigName(name);
        }
    }
}
