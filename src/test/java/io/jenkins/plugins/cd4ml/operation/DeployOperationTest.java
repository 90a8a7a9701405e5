package io.jenkins.plugins.cd4ml.operation;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deploy, rollback and history operations as the Jenkins step calls them. */
class DeployOperationTest {

    @TempDir
    Path dir;

    private Path project(String deploy) throws Exception {
        Path p = TestProjects.copyOf("examples/iris", dir.resolve("iris"));
        String config = Files.readString(p.resolve("config.yaml"));
        Files.writeString(p.resolve("config.yaml"), config.substring(0, config.indexOf("\ndeploy:")) + "\n" + deploy);
        return p;
    }

    @Test
    void historyOfALocalTargetReturnsTheCliDocument() throws Exception {
        OperationOutcome outcome = EngineOperation.named("history").inProject(project("deploy:\n  target: local\n"))
                .call();
        assertThat(outcome.status()).as(outcome.message()).isEqualTo("succeeded");
        assertThat(outcome.document()).containsEntry("target", "local").containsEntry("release", "iris-classifier")
                .containsEntry("revisions", List.of());
    }

    @Test
    void aHelmDeployWithoutImageIsAUsageError() throws Exception {
        OperationOutcome outcome = EngineOperation.named("deploy").inProject(project("deploy:\n  target: helm\n"))
                .withOptions(Map.of("environment", "")).call();
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.message()).contains("no image to deploy");
    }

    @Test
    void deployOptionsAreCheckedBeforeAnythingRuns() throws Exception {
        OperationOutcome outcome = EngineOperation.named("deploy").inProject(project("deploy:\n  target: helm\n"))
                .withOptions(Map.of("canaryWeigth", 20)).call();
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.message()).contains("canaryWeigth").contains("canaryWeight");
    }

    @Test
    void rollbackNeedsAWholeRevisionNumber() throws Exception {
        OperationOutcome outcome = EngineOperation.named("rollback").inProject(project("deploy:\n  target: helm\n"))
                .withOptions(Map.of("revision", "two")).call();
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.message()).contains("revision: 'two' is not a whole number");
    }
}
