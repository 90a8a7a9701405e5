package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import io.jenkins.plugins.cd4ml.run.MainJob;
import io.jenkins.plugins.cd4ml.run.RunResult;
import io.jenkins.plugins.cd4ml.run.StageResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml run}: the main job — validate, train, tune, gate, image, deploy. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the whole job for the project: validate, train, then tune, gate, promote (once every "
                + "configured gate passed), image (built with --build-image, pushed with --push) and deploy "
                + "(stages this version cannot do yet are reported as not available; asking to push a model that a "
                + "configured gate cannot check fails the run).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every stage succeeded, was skipped or is not available yet", "1:a stage failed or could "
                + "not run, or the job was stopped", "2:bad usage or configuration"})
final class RunCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    TrainingOptions training;

    @Mixin
    ImageOptions image;

    @Option(names = "--build-image", description = "Build the serving image after training (implied by --push). "
            + "Without it the image stage is skipped, so a local run needs no Docker daemon or registry.")
    boolean buildImage;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        Console console = common.console();
        ProjectConfig config = common.loader(training).load();
        RunResult result = MainJob.forProject(config, common.context()).withTrainer(training::apply)
                .withImageBuild(buildImage || image.push)
                .withImage(i -> image.apply(i, config, common.environment())).call();
        console.result(result, summary(result));
        if (!result.succeeded()) {
            result.error().ifPresent(e -> console.error("error: " + e));
        }
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }

    static String summary(RunResult result) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%nSummary of %s: %s%n", result.project(), result.status()));
        for (StageResult stage : result.stages()) {
            s.append(String.format("  %-9s %-14s %s%n", stage.name(), Console.label(stage.status()),
                    stage.status() == StageStatus.NOT_RUN ? "" : stage.summary()));
        }
        result.training().ifPresent(t -> {
            s.append(String.format("  model version  %s%n", t.modelVersion()));
            s.append(String.format("  metrics        %s%n", TrainCommand.metrics(t.metrics())));
            s.append(String.format("  model          %s%n", t.modelUri()));
            s.append(String.format("  log            %s%n", t.logLocation()));
        });
        result.image().ifPresent(i -> {
            s.append(String.format("  image          %s%n", i.reference()));
            s.append(String.format("  digest         %s%n", i.digest().orElse("not pushed; image id " + i.imageId())));
        });
        return s.toString();
    }
}
