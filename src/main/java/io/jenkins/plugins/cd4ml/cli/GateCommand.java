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
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cd4ml gate}: checks a stored model against quality_gate. */
@Command(name = "gate", mixinStandardHelpOptions = true,
        description = "Check a stored model against the quality_gate section: each metric's bounds and, with "
                + "compare_to: previous, the regression against the newest earlier model (with compare_to: "
                + "deployed[:ENV], against the model serving there). Prints one line per check.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the model passed", "1:the model failed the gate", "2:bad usage or configuration "
                + "(no quality_gate section, no such model)"})
final class GateCommand extends ProjectCommand {

    @Option(names = "--model", paramLabel = "VERSION",
            description = "The model version to check (12 hex digits). Default: the current model (LATEST).")
    String model;

    @Option(names = "--promote",
            description = "When the model passes, make it the current model (LATEST), as cd4ml run does after its "
                    + "gate: train with --no-promote, then gate with --promote, so a model that fails never becomes "
                    + "what build-image and serve pick by default.")
    boolean promote;

    @Override
    int run(ProjectConfig config, Console console) {
        GateResult result;
        String promoted = null;
        EngineContext context = common.context();
        try (ModelLocator models = ModelLocator.forProject(config, context)) {
            StoredModels stored = StoredModels.of(config, models::transfers).withDeployed(env -> DeployedModel
                    .version(config, env, context), Optional.empty());
            QualityGate gate = QualityGate.forProject(config);
            String version = model != null ? model.strip() : stored.latestVersion().orElseThrow(() ->
                    Cd4mlException.badInput("there is no model of " + config.name() + " in " + config.train().output()
                            + " yet", "train one first (cd4ml train), or name one with --model VERSION"));
            ModelManifest candidate = stored.manifest(version).orElseThrow(() -> Cd4mlException.badInput("there is no "
                    + "model " + version + " of " + config.name() + " in " + config.train().output(),
                    "give a version cd4ml train or cd4ml tune printed"));
            result = gate.withChampions(stored).check(candidate);
            if (promote && result.passed()) {
                models.promote(version);
                promoted = version;
            }
        }
        Map<String, Object> document = new LinkedHashMap<>(Json.mapper().convertValue(result,
                new TypeReference<Map<String, Object>>() { }));
        document.put("promoted", promoted);
        console.result(document, GateTable.of(result) + (promoted == null ? "" : String.format(
                "  promoted       %s is now the current model (LATEST)%n", promoted)));
        if (!result.passed()) {
            console.error("error: " + result.summary());
        }
        return result.passed() ? 0 : ErrorReporter.WORK_FAILED;
    }
}
