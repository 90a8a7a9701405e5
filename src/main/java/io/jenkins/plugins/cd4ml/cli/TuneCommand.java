package io.jenkins.plugins.cd4ml.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployedModel;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.gate.GateResult;
import io.jenkins.plugins.cd4ml.gate.QualityGate;
import io.jenkins.plugins.cd4ml.gate.StoredModels;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import io.jenkins.plugins.cd4ml.report.RunReport;
import io.jenkins.plugins.cd4ml.run.MetricFormat;
import io.jenkins.plugins.cd4ml.tune.Trial;
import io.jenkins.plugins.cd4ml.tune.TrialStatus;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import io.jenkins.plugins.cd4ml.tune.Tuner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cd4ml tune}: searches the hyperparameters, gates the best model and promotes it. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Search the hyperparameters of the tune section: each trial is a training run on the "
                + "configured backend (on sagemaker, one SageMaker hyperparameter tuning job unless tune.native is "
                + "false). Shows a table of trials as they finish, then checks the best model against "
                + "quality_gate (if any) and makes it the project's current model (LATEST) when it passes.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:a best model was found (and passed the quality gate, if one is configured)",
            "1:the tune failed (too many failed trials, none completed), the gate failed, or it was stopped",
            "2:bad usage or configuration (no tune section, Optuna missing for bayesian/hyperband, a setting "
                    + "SageMaker's tuning jobs refuse)"})
final class TuneCommand implements Callable<Integer>, HasCommonOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    TrainingOptions training;

    @Override
    public CommonOptions common() {
        return common;
    }

    @Override
    public Integer call() {
        if (training.attach != null) {
            throw Cd4mlException.badInput("--attach follows one training job; a tune runs "
                    + "many", "use cd4ml train --attach NAME");
        }
        ProjectConfig config = common.loader(training).load();
        Console console = common.console();
        EngineContext context = common.context();
        TuneResult result = Tuner.forProject(config, context).withTrainer(training::apply).call();
        GateResult gate = null;
        String promoted = null;
        if (result.succeeded()) {
            try (ModelLocator models = ModelLocator.forProject(config, context)) {
                if (config.qualityGate().isPresent()) {
                    gate = QualityGate.forProject(config).withChampions(StoredModels.of(config, models::transfers)
                            .excluding(result.trials().stream().map(Trial::modelVersion).filter(Objects::nonNull)
                                    .toList()).withDeployed(env -> DeployedModel.version(config, env,
                                            context), Optional.empty()))
                            .check(result.bestTraining().manifest());
                }
                if (gate == null || gate.passed()) {
                    models.promote(result.best().modelVersion());
                    promoted = result.best().modelVersion();
                }
            }
        }
        boolean ok = result.succeeded() && (gate == null || gate.passed());
        Path report = RunReport.forProject(config.name()).withTune(result).withGate(gate)
                .writeForRun(config.directory(), result.tuneId());
        // the tune's fields at the top (what the shared library reads), with the gate and promotion
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("status", ok ? "succeeded" : "failed");
        document.putAll(Json.mapper().convertValue(result, new TypeReference<Map<String, Object>>() { }));
        document.put("status", ok ? "succeeded" : "failed");
        document.put("model_version", result.best() == null ? null : result.best().modelVersion());
        document.put("gate", gate);
        document.put("promoted", promoted);
        document.put("report", report.toString());
        console.result(document, summary(config, result, gate, promoted) + String.format("  report         %s%n",
                report));
        if (!result.succeeded()) {
            console.error("error: the tune failed: " + result.error());
        } else if (gate != null && !gate.passed()) {
            console.error("error: the best model failed the quality gate: " + gate.summary());
        }
        return ok ? 0 : ErrorReporter.WORK_FAILED;
    }

    static String summary(ProjectConfig config, TuneResult result, GateResult gate, String promoted) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%nTune %s of %s: %s in %.1f s (%s)%n", result.tuneId(), config.name(), result.status(),
                result.durationSeconds(), result.search()));
        s.append(String.format("  %d trials: %d completed, %d pruned, %d failed, %d stopped%n", result.trials().size(),
                result.count(TrialStatus.COMPLETED), result.count(TrialStatus.PRUNED), result.count(TrialStatus.FAILED),
                result.count(TrialStatus.STOPPED)));
        s.append(TrialTable.of(result));
        if (result.best() != null) {
            Trial best = result.best();
            s.append(String.format("  best trial     %d: %s=%s with %s%n", best.number(), result.objective(),
                    MetricFormat.format(best.value()), best.parameters()));
            s.append(String.format("  model version  %s%n", best.modelVersion()));
            s.append(String.format("  model          %s%n", best.modelUri()));
        }
        if (gate != null) {
            s.append(GateTable.of(gate));
        }
        if (promoted != null) {
            s.append(String.format("  promoted       %s is now the current model (LATEST)%n", promoted));
        }
        return s.toString();
    }
}
