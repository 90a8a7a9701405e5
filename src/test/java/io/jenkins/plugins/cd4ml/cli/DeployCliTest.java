package io.jenkins.plugins.cd4ml.cli;

import static io.jenkins.plugins.cd4ml.cli.CliTest.cd4ml;
import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cd4ml deploy|rollback|promote|abort-canary}: usage errors and a cluster that does not answer (real Helm). */
class DeployCliTest {

    private static final String KUBECONFIG = """
            apiVersion: v1
            kind: Config
            current-context: lab
            clusters: [{name: lab, cluster: {server: "https://127.0.0.1:1"}}]
            contexts: [{name: lab, context: {cluster: lab, user: me}}]
            users: [{name: me, user: {token: s3cr3t-token}}]
            """;

    @TempDir
    Path dir;

    private Path project(String deploy) throws Exception {
        Path p = TestProjects.copyOf("examples/iris", dir.resolve("iris"));
        String config = Files.readString(p.resolve("config.yaml"));
        Files.writeString(p.resolve("config.yaml"), config.substring(0, config.indexOf("\ndeploy:")) + "\n" + deploy);
        Files.writeString(p.resolve("kubeconfig"), KUBECONFIG);
        return p;
    }

    @Test
    void helpListsTheDeployCommands() {
        CliTest.Outcome o = cd4ml("--help");
        assertThat(o.out()).contains("deploy", "rollback", "promote", "abort-canary");
    }

    @Test
    void aHelmDeployWithoutImageIsAUsageError() throws Exception {
        Path p = project("deploy:\n  target: helm\n  kubeconfig: kubeconfig\n");
        CliTest.Outcome o = cd4ml("deploy", p.toString());
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("error: no image to deploy").contains("what to do: pass --image REF");
    }

    @Test
    void theLatestTagIsRefused() throws Exception {
        Path p = project("deploy:\n  target: helm\n  kubeconfig: kubeconfig\n");
        CliTest.Outcome o = cd4ml("deploy", p.toString(), "--image", "registry.example.com/iris:latest");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("uses the tag 'latest'");
    }

    @Test
    void aBadTimeoutNamesTheAllowedForms() throws Exception {
        Path p = project("deploy:\n  target: helm\n  kubeconfig: kubeconfig\n");
        CliTest.Outcome o = cd4ml("deploy", p.toString(), "--image", "r.example.com/iris:1", "--timeout", "5");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--timeout '5' has no unit");
    }

    @Test
    void aClusterThatDoesNotAnswerFailsTheWorkAndNamesTheContext() throws Exception {
        Path p = project("deploy:\n  target: helm\n  namespace: ml\n  kubeconfig: kubeconfig\n");
        CliTest.Outcome o = cd4ml("deploy", p.toString(), "--image", "r.example.com/iris:1", "--model-version", "v1",
                "--timeout", "5s", "--json");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("the cluster of context lab of " + p.resolve("kubeconfig") + " does not answer")
                .doesNotContain("s3cr3t");
        assertThat(o.out()).contains("\"status\" : \"error\"");
    }

    @Test
    void anUnknownContextIsAUsageError() throws Exception {
        Path p = project("deploy:\n  target: helm\n  kubeconfig: kubeconfig\n");
        CliTest.Outcome o = cd4ml("rollback", p.toString(), "--kube-context", "prod");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("kube context 'prod' is not in kubeconfig").contains("use one of: lab");
    }

    @Test
    void promoteAndAbortNeedAHelmTarget() throws Exception {
        Path p = project("deploy:\n  target: local\n");
        for (String command : new String[] {"promote", "abort-canary", "rollback"}) {
            CliTest.Outcome o = cd4ml(command, p.toString());
            assertThat(o.exitCode()).as(command).isEqualTo(2);
            assertThat(o.err()).contains(command + " works on Helm releases; deploy.target is 'local'");
        }
    }

    @Test
    void historyOfALocalTargetWithoutDeploys() throws Exception {
        Path p = project("deploy:\n  target: local\n");
        CliTest.Outcome o = cd4ml("history", p.toString());
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("History of iris-classifier (local)").contains("no deployments yet");
        CliTest.Outcome bad = cd4ml("history", p.toString(), "--at", "yesterday");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--at yesterday is not a time");
    }

    @Test
    void canaryWeightOnALocalTargetIsAUsageError() throws Exception {
        Path p = project("deploy:\n  target: local\n");
        CliTest.Outcome o = cd4ml("deploy", p.toString(), "--canary-weight", "20");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--canary-weight applies to Helm releases");
    }
}
