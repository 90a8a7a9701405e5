package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.DeployTarget;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import io.jenkins.plugins.cd4ml.deploy.ImageLookup;
import io.jenkins.plugins.cd4ml.deploy.ImageReference;
import io.jenkins.plugins.cd4ml.deploy.LocalDeployer;
import io.jenkins.plugins.cd4ml.deploy.RolloutProblem;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cd4ml deploy}: the serving image to Kubernetes with the bundled Helm chart, or as a local container. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Deploy the serving image. deploy.target helm: helm upgrade --install --atomic --wait into the "
                + "environment's namespace (a rollout that does not become ready is rolled back, and the pods that "
                + "failed are named). With deploy.strategy canary an existing release keeps its stable pods and the "
                + "image becomes the canary; --canary-weight steps its share.",
            "deploy.target local: run the image as a container on this machine, smoke-test one prediction, then "
                + "replace the previous local deployment (without Docker: smoke-test the server as a process)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:deployed (or, local without Docker, smoke-tested)", "1:the rollout failed (and was rolled "
                + "back) or the smoke test failed", "2:bad usage or configuration"})
final class DeployCommand extends ProjectCommand {

    @Mixin
    DeployOptions target;

    @Option(names = "--image", paramLabel = "REF",
            description = "The image: repository:tag, repository@sha256:… or both (as cd4ml build-image printed "
                    + "it). Helm: required, except to step a running canary. Local: default the newest image of the "
                    + "newest model in the Docker daemon.")
    String image;

    @Option(names = "--model-version", paramLabel = "VERSION",
            description = "The model version the image serves. Default: its io.cd4ml.model.version label, when the "
                    + "Docker daemon has the image.")
    String modelVersion;

    @Option(names = "--canary-weight", paramLabel = "PERCENT",
            description = "deploy.strategy canary: the canary's share of Ingress requests, 0-100 (default 10 for a "
                    + "new canary; without --image, steps the running canary).")
    Integer canaryWeight;

    @Override
    int run(ProjectConfig config, Console console) {
        Deployer deployer = target.deployer(config, common);
        DeployTarget where = deployer.target();
        DeployResult result;
        if (where.target().equals("local")) {
            if (canaryWeight != null) {
                throw io.jenkins.plugins.cd4ml.Cd4mlException.badInput("--canary-weight applies to Helm releases; "
                        + "the target is local", "drop --canary-weight");
            }
            result = LocalDeployer.forProject(config, common.context())
                    .withEnvironment(Optional.ofNullable(target.environment))
                    .withImage(Optional.ofNullable(image)).deploy();
        } else {
            if (image != null) {
                ImageLookup.Deployable deployable = ImageLookup.forDeploy(common.context(),
                        ImageReference.parse(image), Optional.ofNullable(modelVersion));
                deployer.withImage(deployable.image(), deployable.modelVersion());
            }
            if (canaryWeight != null) {
                deployer.withCanaryWeight(canaryWeight);
            }
            result = deployer.deploy();
        }
        console.result(result, summary(result));
        return result.succeeded() ? 0 : ErrorReporter.WORK_FAILED;
    }

    static String summary(DeployResult r) {
        StringBuilder s = new StringBuilder();
        String verb = switch (r.status()) {
            case "deployed" -> "Deployed";
            case "smoke-tested" -> "Smoke-tested (not deployed)";
            case "rolled-back" -> "Rolled back after a failed " + r.operation();
            case "removed" -> "Removed after a failed first install";
            default -> "Failed";
        };
        s.append(String.format("%s: %s%s%n", verb, r.release(), r.environment().isEmpty() ? ""
                : " (environment " + r.environment() + ")"));
        if (r.target().equals("helm")) {
            s.append(String.format("  namespace      %s%n", r.namespace()));
            s.append(String.format("  revision       %s%n", r.revision() == 0 ? "none" : r.revision()));
            s.append(String.format("  chart          cd4ml-model %s%n", r.chartVersion()));
        }
        if (!r.image().isEmpty()) {
            s.append(String.format("  image          %s%n", r.image()));
        }
        if (!r.modelVersion().isEmpty()) {
            s.append(String.format("  model version  %s%n", r.modelVersion()));
        }
        if (!r.canary().isEmpty()) {
            s.append(String.format("  canary         %s%n", r.canary()));
        }
        if (!r.url().isEmpty()) {
            s.append(String.format("  url            %s%n", r.url()));
        }
        if (r.rolledBackTo() > 0) {
            s.append(String.format("  rolled back to revision %d%n", r.rolledBackTo()));
        }
        if (!r.error().isEmpty()) {
            s.append(String.format("  why            %s%n", r.error()));
        }
        for (RolloutProblem p : r.problems()) {
            s.append(String.format("  problem        %s%n", p.describe()));
            p.logTail().forEach(line -> s.append(String.format("    | %s%n", line)));
            s.append(String.format("    what to do: %s%n", p.suggestion()));
        }
        return s.toString();
    }
}
