package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The iris example trained twice (two different models) once per test JVM, for the image tests; its
 * directory is deleted when the JVM exits.
 *
 * @param first the model trained first
 * @param second a different model (other hyperparameters), now the newest
 */
record TrainedModels(ProjectConfig config, String first, String firstVersion, String second, String secondVersion) {

    private static TrainedModels instance;

    static synchronized TrainedModels get() {
        if (instance == null) {
            TestProjects.requirePythonMl();
            try {
                Path dir = Files.createTempDirectory("cd4ml-image-test-");
                // shared by every image test of this JVM, so removed when the JVM exits
                Runtime.getRuntime().addShutdownHook(new Thread(() -> TemporaryDirectory.deleteQuietly(dir),
                        "cd4ml-image-test-cleanup"));
                Path project = TestProjects.copyOf("examples/iris", dir.resolve("iris"));
                ProjectConfig config = ConfigLoader.forProject(project).withEnvironment(System.getenv()).load();
                var a = Trainer.forProject(config, TestContexts.context()).promoting(true).call();
                var b = Trainer.forProject(config, TestContexts.context()).withHyperparameters(Map.of("n_estimators", "20",
                        "random_state", "7")).call();
                instance = new TrainedModels(config, a.modelUri(), a.modelVersion(), b.modelUri(), b.modelVersion());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }
}
