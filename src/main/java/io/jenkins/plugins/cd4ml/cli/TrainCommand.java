package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.run.MetricFormat;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml train}: trains the model once and stores the packaged result. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the model on its backend, streaming the script's output, store model.tar.gz "
                + "with its manifest under train.output, and promote it (make it the LATEST model that build-image "
                + "and serve pick) unless --no-promote.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the model was trained and stored", "1:training failed or was stopped",
            "2:bad usage or configuration"})
final class TrainCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    TrainingOptions training;

    @Option(names = "--no-promote", description = "Store the model without promoting it: LATEST keeps naming the "
            + "model promoted before (build-image and serve keep picking that one).")
    boolean noPromote;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        ProjectConfig config = common.loader(training).load();
        Console console = common.console();
        TrainingResult result = training.apply(Trainer.forProject(config, common.context()))
                .promoting(!noPromote).call();
        console.result(result, summary(config, result));
        return 0;
    }

    static String summary(ProjectConfig config, TrainingResult result) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Trained %s on %s in %.1f s%n", config.name(), result.backend(),
                result.durationSeconds()));
        s.append(String.format("  model version  %s%n", result.modelVersion()));
        s.append(String.format("  metrics        %s%n", metrics(result.metrics())));
        s.append(String.format("  model          %s%s%n", result.modelUri(), result.promoted() ? " (promoted: LATEST)"
                : " (stored, not promoted)"));
        s.append(String.format("  log            %s%n", result.logLocation()));
        return s.toString();
    }

    static String metrics(Map<String, Double> metrics) {
        if (metrics.isEmpty()) {
            return "(none reported; define train.metrics or write metrics.json)";
        }
        StringBuilder s = new StringBuilder();
        metrics.forEach((k, v) -> s.append(s.length() == 0 ? "" : "  ").append(k).append('=')
                .append(MetricFormat.format(v)));
        return s.toString();
    }
}
