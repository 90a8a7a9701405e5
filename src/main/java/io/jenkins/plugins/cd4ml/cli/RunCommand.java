package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.RunDeployment;
import io.jenkins.plugins.cd4ml.event.StageStatus;
import io.jenkins.plugins.cd4ml.run.MainJob;
import io.jenkins.plugins.cd4ml.run.RunResult;
import io.jenkins.plugins.cd4ml.run.StageResult;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml run}: the main job — validate, train, tune, gate, image, deploy. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the whole job for the project: validate, train, then tune, gate, promote (once every "
                + "configured gate passed), image (built with --build-image, pushed with --push) and deploy. "
                + "A local deploy target (deploy.target: local) is deployed by default: the image is built into the "
                + "local Docker daemon and run as a container that must pass a smoke test, or, without a daemon or "
                + "base image, the model is smoke-tested with the bundled server as a process. A Helm target is "
                + "deployed only when asked (--deploy or -e ENV, with --push). With a tune section the tune replaces "
                + "the single training and the gate checks its best model; only a model that passed is promoted, "
                + "pushed or deployed.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every stage succeeded or was skipped", "1:a stage failed or could "
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

    @Option(names = "--deploy", negatable = true, description = "Deploy the gated, promoted model where deploy.target "
            + "says (a Helm target also needs --push), or, with --no-deploy, not at all. Default: deploy when the "
            + "target is local (or -e ENV names an environment), so a plain run needs no cluster.")
    Boolean deploy;

    @Option(names = {"-e", "--environment"}, paramLabel = "ENV",
            description = "Deploy to this deploy.environments entry (implies --deploy; default: the deploy section's "
                    + "own settings).")
    String environment;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        Console console = common.console();
        ProjectConfig config = common.loader(training).load();
        if (environment != null && Boolean.FALSE.equals(deploy)) {
            throw Cd4mlException.badInput("--environment chooses where the run deploys, but --no-deploy says not to "
                    + "deploy", "drop one of them");
        }
        if ((Boolean.TRUE.equals(deploy) || environment != null) && config.deploy().isEmpty()) {
            throw Cd4mlException.badInput("--deploy needs a deploy section in the project", "add deploy: (target: "
                    + "local or helm) to the project, or drop --deploy");
        }
        boolean deploying = deploying(config);
        if (deploying && !image.push
                && RunDeployment.needsPush(config, Optional.ofNullable(environment))) {
            throw Cd4mlException.badInput("a Helm deploy needs the serving image pushed to a registry the cluster "
                    + "pulls from", "add --push (and serve.image.repository naming that registry)");
        }
        MainJob job = MainJob.forProject(config, common.context()).withTrainer(training::apply)
                .withEnvironment(environment);
        if (deploying) {
            job.requesting("deploy");
        }
        RunResult result = job.withImageBuild(buildImage || image.push)
                .withImage(i -> image.apply(i, config, common.environment())).call();
        console.result(result, summary(result));
        if (!result.succeeded()) {
            result.error().ifPresent(e -> console.error("error: " + e));
        }
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }

    /** --deploy, -e ENV, or by default a local target; never with --no-deploy. */
    private boolean deploying(ProjectConfig config) {
        if (deploy != null || environment != null) {
            return !Boolean.FALSE.equals(deploy);
        }
        return config.deploy().isPresent() && !RunDeployment.needsPush(config, Optional.empty());
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
        result.report().ifPresent(r -> s.append(String.format("  report         %s%n", r)));
        return s.toString();
    }
}
