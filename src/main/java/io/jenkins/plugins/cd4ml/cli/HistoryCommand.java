package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import io.jenkins.plugins.cd4ml.deploy.HistoryEntry;
import io.jenkins.plugins.cd4ml.deploy.HistoryResult;
import io.jenkins.plugins.cd4ml.deploy.LocalDeployer;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.gate.StoredModels;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml history}: which model served in an environment, and when. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "List the deployments of an environment (Helm: the release's revisions; local: the recorded "
                + "deploys) with the image, model version and metrics each ran, and which one served at --at TIME "
                + "(default: now).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "1:the cluster could not be read", "2:bad usage or configuration"})
final class HistoryCommand extends ProjectCommand {

    @Mixin
    DeployOptions target;

    @Option(names = "--at", paramLabel = "TIME",
            description = "A time, ISO-8601 (2026-11-29T10:15:00Z; without an offset: UTC).")
    String at;

    @Override
    int run(ProjectConfig config, Console console) {
        Optional<Instant> when = Optional.ofNullable(at).map(HistoryCommand::time);
        Function<String, Map<String, Double>> metrics = metrics(config, common.context());
        Deployer deployer = target.deployer(config, common);
        HistoryResult result = deployer.target().target().equals("local")
                ? LocalDeployer.forProject(config, common.context()).withEnvironment(Optional.ofNullable(target.environment))
                        .history(when, metrics)
                : deployer.history(when, metrics);
        console.result(result, summary(result));
        return 0;
    }

    static Instant time(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException again) {
                throw Cd4mlException.badInput("--at " + text + " is not a time", "use ISO-8601, e.g. "
                        + "2026-11-29T10:15:00Z or 2026-11-29T10:15 (UTC)");
            }
        }
    }

    /** Metrics from the model store's manifests (the history reads the images' labels where they have none). */
    private static Function<String, Map<String, Double>> metrics(ProjectConfig config, EngineContext context) {
        return StoredModels.of(config, () -> new S3Transfers(context.clients().s3(config.train().sagemaker()
                .region()))).metricsByVersion();
    }

    static String summary(HistoryResult r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("History of %s%s (%s%s)%n", r.release(), r.environment().isEmpty() ? ""
                : " in environment " + r.environment(), r.target(), r.namespace().isEmpty() ? ""
                        : ", namespace " + r.namespace()));
        if (r.revisions().isEmpty()) {
            s.append("  no deployments yet\n");
            return s.toString();
        }
        s.append(String.format("  %-4s %-20s %-11s %-14s %s%n", "rev", "updated", "status", "model", "image / metrics"));
        for (HistoryEntry e : r.revisions()) {
            String metrics = e.metrics().entrySet().stream().map(m -> m.getKey() + "="
                    + io.jenkins.plugins.cd4ml.run.MetricFormat.format(m.getValue())).collect(Collectors.joining(" "));
            s.append(String.format("  %-4d %-20s %-11s %-14s %s%s%s%n", e.revision(),
                    e.updated().toString().replaceFirst("\\.\\d+Z$", "Z"), e.status(), e.modelVersion(), e.image(),
                    metrics.isEmpty() ? "" : "  " + metrics, e.canary().isEmpty() ? "" : "  canary " + e.canary()));
        }
        if (r.servingAt() != null) {
            s.append(String.format("%s: revision %d, model %s, %s%n", r.at().isEmpty() ? "Serving now"
                    : "Serving at " + r.at(), r.servingAt().revision(), r.servingAt().modelVersion(),
                    r.servingAt().image()));
        } else {
            s.append(r.at().isEmpty() ? "Nothing serves now\n" : "Nothing served at " + r.at() + "\n");
        }
        return s.toString();
    }
}
