package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import java.util.Optional;

/**
 * The deploy stage of the main job: the model the run trained (and its gate passed) goes where
 * {@code deploy.target} says. Helm deploys the image the run pushed, pinned by digest; a local
 * target runs the image the run built, or, where the run built none because no Docker daemon
 * answers, smoke-tests the model with the bundled server as a process.
 */
public final class RunDeployment {

    private RunDeployment() {
    }

    /** Whether a run deploying to {@code environment} needs the image pushed (Helm) or only built (local). */
    public static boolean needsPush(ProjectConfig config, Optional<String> environment) {
        return DeployTarget.of(config, environment).target().equals("helm");
    }

    /**
     * Deploys the run's model.
     *
     * @param image the image the run built, if it built one
     * @param modelUri the model the run carries (for the process smoke test without an image)
     * @param whyNoImage why a local target has no image (no Docker daemon, no base image), for the
     *     process smoke test's warning
     * @throws Cd4mlException (bad input) for a Helm target without a pushed image
     */
    public static DeployResult deploy(ProjectConfig config, Optional<String> environment, Optional<ImageResult> image,
            String modelUri, String whyNoImage, EngineContext context) {
        DeployTarget target = DeployTarget.of(config, environment);
        if (target.target().equals("local")) {
            LocalDeployer local = LocalDeployer.forProject(config, context).withEnvironment(environment);
            if (image.isPresent()) {
                return local.withImage(Optional.of(image.get().reference())).deploy();
            }
            return local.withModel(Optional.of(modelUri)).asProcess(whyNoImage);
        }
        ImageResult built = image.filter(i -> i.digest().isPresent()).orElseThrow(() -> Cd4mlException.badInput(
                "a Helm deploy needs the serving image pushed to a registry the cluster pulls from",
                "run with " + context.advice().option("push") + " (and serve.image.repository naming that registry)"));
        // the run's context, so a stop of the run (Ctrl-C, Jenkins abort) also stops waiting for Helm
        return Deployer.forProject(config, context).withEnvironment(environment)
                .withImage(ImageReference.parse(built.pinnedReference()), built.modelVersion()).deploy();
    }
}
