package io.jenkins.plugins.cd4ml.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.InvalidConfigException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployedModel;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import io.jenkins.plugins.cd4ml.deploy.ImageLookup;
import io.jenkins.plugins.cd4ml.deploy.KubeAccess;
import io.jenkins.plugins.cd4ml.deploy.LocalDeployer;
import io.jenkins.plugins.cd4ml.deploy.ReleaseClient;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quality_gate.compare_to: deployed[:ENV]}: the gate reads what serves through the deploy
 * package (a real local container's labels; a Helm release's values through {@link ReleaseClient})
 * and compares with that model's stored {@code model.json}.
 */
class ComparedWithTheDeployedModelTest {

    private static final String SERVING = "5e5e5e5e5e5e";
    private static final Instant EARLIER = Instant.parse("2026-11-29T10:00:00Z");

    private static ProjectConfig project(Path dir, String sections) {
        TestProjects.project(dir, "print('accuracy=1')\n", "");
        try {
            TestProjects.write(dir.resolve("config.yaml"), Files.readString(dir.resolve("config.yaml")) + sections);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    private static ModelManifest candidate(double accuracy) {
        return QualityGateTest.manifest("cccccccccccc", Instant.now(), Map.of("accuracy", accuracy));
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class LocalTarget {

        private static final String RELEASE = "cd4ml-gate-deployed-test";
        private DockerClient docker;
        private final List<String> containers = new ArrayList<>();

        @BeforeAll
        void docker() {
            TestEnvironment.requireDockerAndBaseImage();
            docker = DockerClients.create(System.getenv());
        }

        @AfterEach
        void removeContainers() {
            for (String id : containers) {
                docker.removeContainerCmd(id).withForce(true).exec();
            }
            containers.clear();
        }

        /** A real container labelled as LocalDeployer labels what it deploys. */
        private void serving(String environment, String modelVersion) {
            String id = docker.createContainerCmd(TestEnvironment.baseImage()).withCmd("sleep", "600")
                    .withLabels(Map.of(LocalDeployer.RELEASE_LABEL, RELEASE, LocalDeployer.ENVIRONMENT_LABEL,
                            environment, ImageLookup.MODEL_VERSION_LABEL, modelVersion))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host")).exec().getId();
            containers.add(id);
            docker.startContainerCmd(id).exec();
        }

        private static ProjectConfig localProject(Path dir, String compareTo) {
            return project(dir, """
                    quality_gate:
                      metrics: {accuracy: {min: 0.5}}
                      compare_to: %s
                      max_regression: 0.01
                    deploy:
                      target: local
                      release: %s
                      environments:
                        staging: {}
                        production: {}
                    """.formatted(compareTo, RELEASE));
        }

        private static GateResult gate(ProjectConfig config, double accuracy) {
            return QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null).withDeployed(
                    env -> DeployedModel.version(config, env, TestContexts.context()), Optional.empty()))
                    .check(candidate(accuracy));
        }

        @Test
        void failsOnARegressionAgainstTheModelServingInTheEnvironment(@TempDir Path tmp) throws Exception {
            ProjectConfig config = localProject(tmp, "deployed:staging");
            QualityGateTest.store(config, QualityGateTest.manifest(SERVING, EARLIER, Map.of("accuracy", 0.95)));
            QualityGateTest.store(config, QualityGateTest.manifest("1a1a1a1a1a1a", EARLIER.plusSeconds(60),
                    Map.of("accuracy", 0.5)));
            serving("staging", SERVING);

            GateResult failed = gate(config, 0.9);
            GateResult passed = gate(config, 0.945);

            assertThat(failed.comparedTo()).as("the serving model, not the newest stored one")
                    .isEqualTo("deployed:staging " + SERVING);
            assertThat(failed.passed()).isFalse();
            assertThat(failed.failures()).singleElement().satisfies(c -> {
                assertThat(c.rule()).isEqualTo("deployed:staging 0.95 (may drop 0.01)");
                assertThat(c.verdict()).isEqualTo("0.05 below the deployed:staging model's 0.95, 0.04 more than the "
                        + "allowed 0.01");
            });
            assertThat(passed.passed()).isTrue();
            assertThat(passed.comparedTo()).isEqualTo("deployed:staging " + SERVING);
        }

        @Test
        void nothingDeployedThereYetPassesOnTheBoundsWithANote(@TempDir Path tmp) throws Exception {
            ProjectConfig config = localProject(tmp, "deployed:production");
            QualityGateTest.store(config, QualityGateTest.manifest(SERVING, EARLIER, Map.of("accuracy", 0.95)));
            serving("staging", SERVING); // serves elsewhere only

            GateResult result = gate(config, 0.6);

            assertThat(result.passed()).isTrue();
            assertThat(result.comparedTo()).isNull();
            assertThat(result.comparison()).isEqualTo("nothing is deployed yet (compare_to: deployed:production), "
                    + "so there is no model to compare with");
            assertThat(result.checks()).extracting(MetricCheck::rule).containsExactly("min 0.5");
        }

        @Test
        void aStoppedContainerIsNotTheDeployedModel(@TempDir Path tmp) throws Exception {
            ProjectConfig config = localProject(tmp, "deployed:staging");
            QualityGateTest.store(config, QualityGateTest.manifest(SERVING, EARLIER, Map.of("accuracy", 0.95)));
            serving("staging", SERVING);
            docker.stopContainerCmd(containers.get(0)).withTimeout(1).exec(); // stopped: it serves nothing

            GateResult result = gate(config, 0.6);

            assertThat(result.passed()).isTrue();
            assertThat(result.comparedTo()).isNull();
            assertThat(result.comparison()).isEqualTo("nothing is deployed yet (compare_to: deployed:staging), "
                    + "so there is no model to compare with");
        }

        @Test
        void aServingModelMissingFromTheModelStoreFailsTheGateWork(@TempDir Path tmp) {
            ProjectConfig config = localProject(tmp, "deployed:staging");
            serving("staging", SERVING);

            assertThatThrownBy(() -> gate(config, 0.9)).isInstanceOfSatisfying(Cd4mlException.class, e -> {
                assertThat(e.isUserError()).isFalse();
                assertThat(e.getMessage()).isEqualTo("model " + SERVING + " serves in environment staging, but "
                        + ".cd4ml/models has no model " + SERVING + " of demo, so its metrics are unknown and the "
                        + "gate cannot compare with it");
            });
        }

        @Test
        void cd4mlGateComparesWithTheModelServingAndExitsOne(@TempDir Path tmp) throws Exception {
            ProjectConfig config = localProject(tmp, "deployed");
            QualityGateTest.store(config, QualityGateTest.manifest(SERVING, EARLIER, Map.of("accuracy", 0.95)));
            QualityGateTest.store(config, candidate(0.9));
            serving("default", SERVING);

            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int code = io.jenkins.plugins.cd4ml.cli.Main.execute(new String[] {"gate", "--model", "cccccccccccc", tmp.toString()},
                    new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));

            assertThat(code).as(err.toString()).isEqualTo(1);
            assertThat(out.toString()).contains("compared with deployed " + SERVING, "deployed 0.95 (may drop 0.01)",
                    "FAILED: 0.05 below the deployed model's 0.95");
        }
    }

    @Nested
    class HelmTarget {

        private static final String KUBECONFIG = TestProjects.kubeconfigFor("http://127.0.0.1:1");

        /** Helm's answers for one release: its history and each revision's values; records every call. */
        private static final class Releases implements ReleaseClient {

            final List<String> calls = new ArrayList<>();
            final List<RevisionInfo> history = new ArrayList<>();
            final Map<Integer, Map<String, Object>> values = new java.util.HashMap<>();

            void deployed(String modelVersion) {
                int revision = history.size() + 1;
                history.add(new RevisionInfo(revision, EARLIER.plusSeconds(revision), "deployed", "cd4ml-model-0.1.0",
                        "1", "Upgrade complete"));
                values.put(revision, Map.of("model", Map.of("version", modelVersion), "replicaCount", 2));
            }

            @Override
            public ReleaseInfo upgradeInstall(UpgradeRequest request) {
                throw new AssertionError("the gate never deploys");
            }

            @Override
            public List<RevisionInfo> history(String release, KubeAccess cluster) {
                calls.add("history " + release + " -n " + cluster.namespace());
                return List.copyOf(history);
            }

            @Override
            public Map<String, Object> values(String release, OptionalInt revision, KubeAccess cluster) {
                calls.add("values " + release + " -n " + cluster.namespace());
                return values.getOrDefault(revision.orElse(history.size()), Map.of());
            }
        }

        private static ProjectConfig helmProject(Path dir) {
            return project(dir, """
                    quality_gate:
                      metrics: {accuracy: {min: 0.5}}
                      compare_to: deployed:production
                    deploy:
                      target: helm
                      namespace: ml
                      release: iris
                      environments:
                        production: {namespace: ml-prod}
                    """);
        }

        private static GateResult gate(ProjectConfig config, Releases releases, double accuracy) {
            DeployedVersions helm = env -> Deployer.forProject(config).withEnvironment(env).withReleases(releases)
                    .withCluster(KubeAccess.fromKubeconfig("ml-prod", KUBECONFIG, Optional.empty(), "test"))
                    .deployedModelVersion();
            return QualityGate.forProject(config).withChampions(StoredModels.of(config, () -> null)
                    .withDeployed(helm, Optional.empty())).check(candidate(accuracy));
        }

        @Test
        void readsTheReleasesModelVersionFromItsCurrentValues(@TempDir Path tmp) throws Exception {
            ProjectConfig config = helmProject(tmp);
            QualityGateTest.store(config, QualityGateTest.manifest(SERVING, EARLIER, Map.of("accuracy", 0.95)));
            Releases releases = new Releases();
            releases.deployed("0a0a0a0a0a0a");
            releases.deployed(SERVING);

            GateResult result = gate(config, releases, 0.94);

            assertThat(releases.calls).containsExactly("history iris -n ml-prod", "values iris -n ml-prod");
            assertThat(result.comparedTo()).isEqualTo("deployed:production " + SERVING);
            assertThat(result.passed()).as("without max_regression any drop fails").isFalse();
            assertThat(result.summary()).isEqualTo("model cccccccccccc failed: accuracy=0.94: 0.01 below the "
                    + "deployed:production model's 0.95");
        }

        @Test
        void aReleaseThatDoesNotExistYetIsNothingToCompareWith(@TempDir Path tmp) {
            ProjectConfig config = helmProject(tmp);
            Releases releases = new Releases();

            GateResult result = gate(config, releases, 0.6);

            assertThat(releases.calls).containsExactly("history iris -n ml-prod");
            assertThat(result.passed()).isTrue();
            assertThat(result.comparison()).startsWith("nothing is deployed yet");
        }
    }

    @Nested
    class Configuration {

        @Test
        void comparingWithTheDeployedModelNeedsADeploySection(@TempDir Path tmp) {
            assertThatThrownBy(() -> project(tmp, "quality_gate:\n  metrics: {accuracy: {min: 0.5}}\n"
                    + "  compare_to: deployed\n")).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("quality_gate.compare_to")
                    .hasMessageContaining("there is no deploy section; add one (e.g. deploy: {target: local}) or use "
                            + "compare_to: previous");
        }

        @Test
        void theEnvironmentMustBeADeployEnvironment(@TempDir Path tmp) {
            assertThatThrownBy(() -> project(tmp, """
                    quality_gate:
                      metrics: {accuracy: {min: 0.5}}
                      compare_to: deployed:prod
                    deploy:
                      target: local
                      environments: {staging: {}, production: {}}
                    """)).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("environment 'prod' is not in deploy.environments; use one of: staging, "
                            + "production");
        }
    }
}
