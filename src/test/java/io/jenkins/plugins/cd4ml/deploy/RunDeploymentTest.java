package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.image.ImageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy stage of {@code cd4ml run}: a Helm deploy runs in the run's context. */
class RunDeploymentTest {

    @Test
    void aHelmDeployObeysTheRunsCancelToken(@TempDir Path tmp) throws Exception {
        ProjectConfig config = DeployProjects.iris(tmp.resolve("iris"), """
                deploy:
                  target: helm
                  namespace: ml
                  release: iris
                """);
        Path kubeconfig = Files.writeString(tmp.resolve("kubeconfig"), DeployProjects.KUBECONFIG);
        ImageResult pushed = new ImageResult("127.0.0.1:5000/iris:1", Optional.of("sha256:" + "a".repeat(64)),
                "sha256:" + "b".repeat(64), 1, "abcdefabcdef", "", Map.of(), "docker", true, Optional.empty(), 1.0);
        CancelToken cancel = new CancelToken();
        cancel.cancel(); // Ctrl-C as the run reaches its deploy stage
        EngineContext run = EngineContext.builder().environment(Map.of("KUBECONFIG", kubeconfig.toString()))
                .cancel(cancel).build();

        assertThatThrownBy(() -> RunDeployment.deploy(config, Optional.empty(), Optional.of(pushed), "", "", run))
                .as("no Helm call once the run is stopped").isInstanceOf(OperationStoppedException.class)
                .hasMessageContaining("before it started");
    }
}
