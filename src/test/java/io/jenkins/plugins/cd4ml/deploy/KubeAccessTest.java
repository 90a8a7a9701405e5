package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which kubeconfig and context a deploy uses, and real Helm failing against a cluster that does not answer. */
class KubeAccessTest {

    @TempDir
    Path dir;

    @Test
    void theEnvironmentsContextBecomesCurrent() throws Exception {
        Path file = Files.writeString(dir.resolve("kubeconfig"), DeployProjects.KUBECONFIG);
        KubeAccess access = KubeAccess.resolve("ml-prod", Optional.empty(), Optional.of("prod"), dir,
                Map.of("KUBECONFIG", file.toString()));
        assertThat(access.context()).isEqualTo("prod");
        assertThat(access.kubeconfig()).contains("current-context: prod");
        try (var client = access.client()) {
            assertThat(client.getConfiguration().getMasterUrl()).startsWith("https://127.0.0.1:2");
            assertThat(client.getConfiguration().getNamespace()).isEqualTo("ml-prod");
        }
        assertThat(access.toString()).doesNotContain("s3cr3t").contains("context prod");
    }

    @Test
    void configFileRelativeToTheProjectWinsOverKubeconfigVariable() throws Exception {
        Files.writeString(dir.resolve("cluster.yaml"), DeployProjects.KUBECONFIG);
        KubeAccess access = KubeAccess.resolve("ml", Optional.of("cluster.yaml"), Optional.empty(), dir,
                Map.of("KUBECONFIG", "/nonexistent"));
        assertThat(access.context()).isEqualTo("dev");
        assertThat(access.describe()).isEqualTo("context dev of " + dir.resolve("cluster.yaml"));
    }

    @Test
    void anUnknownContextListsTheKnownOnes() {
        assertThatThrownBy(() -> KubeAccess.fromKubeconfig("ml", DeployProjects.KUBECONFIG, Optional.of("staging"), "f"))
                .isInstanceOf(Cd4mlException.class).hasMessage("kube context 'staging' is not in kubeconfig f")
                .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).contains("use one of: dev, prod"));
    }

    @Test
    void noClusterAtAllSaysHowToGetOne() {
        assertThatThrownBy(() -> KubeAccess.resolve("ml", Optional.empty(), Optional.empty(), dir,
                Map.of("HOME", dir.toString()))).isInstanceOf(Cd4mlException.class)
                .hasMessageContaining("no Kubernetes cluster is configured")
                .satisfies(e -> assertThat(((Cd4mlException) e).isUserError()).isTrue());
    }

    @Test
    void inAPodTheServiceAccountIsUsed() {
        KubeAccess access = KubeAccess.resolve("ml", Optional.empty(), Optional.empty(), dir,
                Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"));
        assertThat(access.kubeconfig()).isEmpty();
        assertThat(access.describe()).isEqualTo("the pod's service account");
    }

    @Test
    void inAPodTheClientIsBuiltFromTheServiceAccountAndTheOperationsEnvironmentNotTheJvms() throws Exception {
        Path account = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(account.resolve("token"), "token-1\n");
        Files.writeString(account.resolve("ca.crt"), "");
        String before = System.getProperty("kubernetes.master");
        System.setProperty("kubernetes.master", "https://jvm-wide.example:9999"); // what autoConfigure would take
        try {
            KubeAccess access = KubeAccess.resolve("ml", Optional.empty(), Optional.empty(), dir,
                    Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1", "KUBERNETES_SERVICE_PORT", "6443"), account);
            io.fabric8.kubernetes.client.Config config = access.config();
            assertThat(config.getMasterUrl()).isEqualTo("https://10.0.0.1:6443/");
            assertThat(config.getNamespace()).isEqualTo("ml");
            assertThat(config.getCaCertFile()).isEqualTo(account.resolve("ca.crt").toString());
            assertThat(config.getOauthTokenProvider().getToken()).isEqualTo("token-1");
            Files.writeString(account.resolve("token"), "token-2"); // a rotated bound token is read again
            assertThat(config.getOauthTokenProvider().getToken()).isEqualTo("token-2");
        } finally {
            if (before == null) {
                System.clearProperty("kubernetes.master");
            } else {
                System.setProperty("kubernetes.master", before);
            }
        }
    }

    @Test
    void aKubeconfigClientIgnoresTheJvmsKubernetesSettings() throws Exception {
        Path file = Files.writeString(dir.resolve("kubeconfig"), DeployProjects.KUBECONFIG);
        String before = System.getProperty("kubernetes.namespace");
        System.setProperty("kubernetes.namespace", "jvm-wide");
        try {
            KubeAccess access = KubeAccess.resolve("ml-prod", Optional.empty(), Optional.of("prod"), dir,
                    Map.of("KUBECONFIG", file.toString()));
            assertThat(access.config().getNamespace()).isEqualTo("ml-prod");
            assertThat(access.config().getMasterUrl()).startsWith("https://127.0.0.1:2");
        } finally {
            if (before == null) {
                System.clearProperty("kubernetes.namespace");
            } else {
                System.setProperty("kubernetes.namespace", before);
            }
        }
    }

    @Test
    void realHelmAgainstAClusterThatDoesNotAnswerSaysWhichContext() {
        Path project = dir.resolve("p");
        var config = DeployProjects.iris(project, "deploy:\n  target: helm\n  namespace: ml\n");
        Deployer deployer = Deployer.forProject(config).withCluster(DeployProjects.access("ml"))
                .withImage(DeployerTest.NEW, "v2").withTimeout(java.time.Duration.ofSeconds(5));
        assertThatThrownBy(deployer::deploy).isInstanceOf(Cd4mlException.class)
                .hasMessageContaining("the cluster of context dev of test kubeconfig does not answer")
                .hasMessageNotContaining("s3cr3t")
                .satisfies(e -> assertThat(((Cd4mlException) e).isUserError()).isFalse());
    }
}
