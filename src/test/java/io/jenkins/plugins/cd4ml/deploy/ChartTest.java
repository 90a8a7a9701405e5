package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundled chart, rendered and linted by real Helm (helm-java), every manifest parsed into
 * fabric8 types and held to the checks a reviewer makes.
 */
class ChartTest {

    private static final String DIGEST = "sha256:" + "ab12".repeat(16);
    private static final String CANARY_DIGEST = "sha256:" + "cd34".repeat(16);
    private static final ImageReference IMAGE = new ImageReference("localhost:5000/cd4ml/iris-classifier", "3f2a9c1",
            DIGEST);

    @TempDir
    static Path scratch;
    static Path chart;
    static ProjectConfig iris;

    @BeforeAll
    static void extractChart() throws Exception {
        chart = BundledChart.extractTo(scratch.resolve("chart"));
        Path project = TestProjects.copyOf("examples/iris", scratch.resolve("iris"));
        iris = ConfigLoader.forProject(project).withEnvironment(Map.of()).load();
    }

    private static Map<String, Object> values(DeployTarget target, Optional<ChartValues.Canary> canary) {
        return ChartValues.of(iris, target, IMAGE, "3f2a9c1b7d4e", canary);
    }

    private static Map<String, Object> values() {
        return values(DeployTarget.of(iris, Optional.empty()), Optional.empty());
    }

    private static RenderedChart render(Map<String, Object> values) {
        return RenderedChart.render(chart, scratch, "iris-classifier", "ml", values);
    }

    private static Map<String, Object> with(Map<String, Object> values, String path, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>();
        ChartValues.merge(copy, values);
        ChartValues.put(copy, path, value);
        return copy;
    }

    /** The checks every rendering must pass, whatever the values. */
    private static void reviewerChecks(RenderedChart r) {
        assertThat(r.all(Deployment.class)).isNotEmpty();
        for (Deployment d : r.all(Deployment.class)) {
            String what = "Deployment " + d.getMetadata().getName();
            Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
            assertThat(selector.keySet()).as(what + " selector").containsExactlyInAnyOrder("app.kubernetes.io/name",
                    "app.kubernetes.io/instance");
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(what + " pod labels")
                    .containsAllEntriesOf(selector).containsKeys("io.cd4ml/model-version", "app.kubernetes.io/version");
            assertThat(d.getMetadata().getLabels()).containsKeys("helm.sh/chart", "app.kubernetes.io/managed-by",
                    "io.cd4ml/model-version");
            assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey("checksum/logging");
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            assertThat(pod.getContainers()).hasSize(1);
            Container c = pod.getContainers().get(0);
            assertThat(c.getImage()).as(what + " image").contains("@sha256:").doesNotContain(":latest");
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
            assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health");
            assertThat(c.getStartupProbe().getPeriodSeconds() * c.getStartupProbe().getFailureThreshold())
                    .as("seconds a model may take to load").isGreaterThanOrEqualTo(120);
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).containsKey("memory");
            assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
            assertThat(c.getEnvFrom()).anyMatch(e -> e.getConfigMapRef() != null
                    && e.getConfigMapRef().getName().equals("iris-classifier-logging"));
            drainCoversTheServer(r, pod, c);
        }
        for (Service s : r.all(Service.class)) {
            Deployment owner = r.all(Deployment.class).stream().filter(d -> d.getSpec().getTemplate().getMetadata()
                    .getLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet())).findFirst().orElseThrow();
            assertThat(owner.getMetadata().getName()).as("the Deployment Service " + s.getMetadata().getName()
                    + " selects").isEqualTo(s.getMetadata().getName());
            long selected = r.all(Deployment.class).stream().filter(d -> d.getSpec().getTemplate().getMetadata()
                    .getLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet())).count();
            assertThat(selected).as("Deployments whose pods Service " + s.getMetadata().getName() + " selects")
                    .isEqualTo(1);
        }
        for (HasMetadata o : r.objects) {
            if (!(o instanceof Pod)) { // the test hook pod belongs to no instance
                assertThat(o.getMetadata().getLabels()).as(o.getKind() + " labels")
                        .containsKeys("app.kubernetes.io/name", "app.kubernetes.io/instance");
            }
        }
    }

    /** preStop + the server's whole shutdown (drain, in-flight requests, log flush) fit in the grace period. */
    private static void drainCoversTheServer(RenderedChart r, PodSpec pod, Container c) {
        List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop.get(0)).isEqualTo("sleep");
        int sleep = Integer.parseInt(preStop.get(1));
        assertThat(sleep).as("preStop waits for the endpoints to drop the pod").isPositive();
        Map<String, String> env = new LinkedHashMap<>();
        c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        int graceful = Integer.parseInt(env.get("CD4ML_GRACEFUL_TIMEOUT_S"));
        assertThat(Double.parseDouble(env.get("CD4ML_DRAIN_DELAY_S"))).isPositive().isLessThan(graceful);
        assertThat(pod.getTerminationGracePeriodSeconds()).as("terminationGracePeriodSeconds")
                .isGreaterThanOrEqualTo((long) sleep + graceful);
    }

    @Test
    void bundledChartIsOnTheClasspathWithItsVersion() {
        assertThat(chart.resolve("templates/deployment.yaml")).exists();
        assertThat(chart.resolve("values.schema.json")).exists();
        assertThat(chart.resolve("files/smoke_test.py")).exists();
        assertThat(BundledChart.version(chart)).isEqualTo("0.1.0");
    }

    @Nested
    class Lint {
        @Test
        void passesStrictLintAsShipped() {
            LintResult lint = new Helm(chart).lint().strict().call();
            assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"plain", "ingress", "autoscaling", "canary"})
        void passesStrictLintForEachCombination(String combination) throws Exception {
            Map<String, Object> v = values();
            v = switch (combination) {
                case "ingress" -> with(with(v, "ingress.enabled", true), "ingress.host", "iris.example.com");
                case "autoscaling" -> with(v, "autoscaling.enabled", true);
                case "canary" -> canaryValues(25);
                default -> v;
            };
            Path lintChart = scratch.resolve("lint-" + combination);
            BundledChart.extractTo(lintChart);
            // lint takes no values file: the deploy's values go into the chart's values.yaml
            Map<String, Object> merged = new org.yaml.snakeyaml.Yaml().load(Files.readString(lintChart.resolve("values.yaml")));
            ChartValues.merge(merged, v);
            Files.writeString(lintChart.resolve("values.yaml"), new org.yaml.snakeyaml.Yaml().dump(merged));
            LintResult lint = new Helm(lintChart).lint().strict().call();
            assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        }
    }

    @Nested
    class Renders {
        @Test
        void plainDeploymentServiceConfigMapPdbAndTestHook() {
            RenderedChart r = render(values());
            reviewerChecks(r);
            assertThat(r.kinds()).containsExactlyInAnyOrder("ConfigMap/iris-classifier-logging",
                    "Service/iris-classifier", "Deployment/iris-classifier", "PodDisruptionBudget/iris-classifier");
            Deployment d = r.deployment("iris-classifier");
            assertThat(d.getSpec().getReplicas()).isEqualTo(1);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getImage()).isEqualTo("localhost:5000/cd4ml/iris-classifier@" + DIGEST);
            assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("CD4ML_MODEL_NAME")
                    && e.getValue().equals("iris-classifier"));
            assertThat(d.getMetadata().getLabels()).containsEntry("io.cd4ml/model-version", "3f2a9c1b7d4e")
                    .containsEntry("app.kubernetes.io/instance", "iris-classifier");
            assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
            assertThat(r.get(PodDisruptionBudget.class, "iris-classifier").getSpec().getSelector().getMatchLabels())
                    .isEqualTo(d.getSpec().getSelector().getMatchLabels());
        }

        @Test
        void testHookSendsTheRowBuiltFromFeaturesYaml() throws Exception {
            assertThat(Files.readString(chart.resolve("templates/tests/test-prediction.yaml")))
                    .contains("helm.sh/hook: test");
            Pod hook = RenderedChart.renderTestHook(chart, scratch, "iris-classifier", values()).get(Pod.class,
                    "iris-classifier-test-prediction");
            assertThat(hook.getSpec().getRestartPolicy()).isEqualTo("Never");
            Container c = hook.getSpec().getContainers().get(0);
            assertThat(c.getImage()).endsWith("@" + DIGEST);
            assertThat(c.getCommand().get(2)).contains("/predict").contains("/ready");
            String request = c.getEnv().stream().filter(e -> e.getName().equals("CD4ML_TEST_REQUEST")).findFirst()
                    .orElseThrow().getValue();
            assertThat(Json.mapper().readTree(request).toString()).isEqualTo("{\"sepal_length\":5.1,"
                    + "\"sepal_width\":3.5,\"petal_length\":1.4,\"petal_width\":0.2}");
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        }

        @Test
        void batchingIsLeftToTheServerUnlessSet() {
            Container automatic = render(values()).deployment("iris-classifier").getSpec().getTemplate().getSpec()
                    .getContainers().get(0);
            assertThat(automatic.getEnv()).noneMatch(e -> e.getName().equals("CD4ML_BATCH_MAX_SIZE"));
            for (int size : new int[] {0, 32}) {
                Container set = render(with(values(), "server.batchMaxSize", size)).deployment("iris-classifier")
                        .getSpec().getTemplate().getSpec().getContainers().get(0);
                assertThat(set.getEnv()).anyMatch(e -> e.getName().equals("CD4ML_BATCH_MAX_SIZE")
                        && e.getValue().equals(String.valueOf(size)));
            }
        }

        @Test
        void imageByTagWhenNoDigestIsKnown() {
            RenderedChart r = render(with(values(), "image.digest", ""));
            assertThat(r.deployment("iris-classifier").getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getImage()).isEqualTo("localhost:5000/cd4ml/iris-classifier:3f2a9c1");
        }

        @Test
        void loggingConfigMapComesFromServeLoggingAndItsChecksumRollsThePods() {
            RenderedChart stdoutOnly = render(values());
            ConfigMap plain = stdoutOnly.get(ConfigMap.class, "iris-classifier-logging");
            assertThat(plain.getData()).containsEntry("CD4ML_LOG_STDOUT", "true").doesNotContainKey("CD4ML_FLUENTD_HOST");
            Map<String, Object> fluentd = with(with(with(values(), "logging.fluentd.enabled", true),
                    "logging.fluentd.host", "fluentd.logging.svc"), "logging.stdout", false);
            RenderedChart withFluentd = render(fluentd);
            assertThat(withFluentd.get(ConfigMap.class, "iris-classifier-logging").getData())
                    .containsEntry("CD4ML_FLUENTD_HOST", "fluentd.logging.svc").containsEntry("CD4ML_FLUENTD_PORT", "24224")
                    .containsEntry("CD4ML_FLUENTD_TAG", "cd4ml.predictions").containsEntry("CD4ML_LOG_STDOUT", "false");
            assertThat(checksum(withFluentd)).isNotEqualTo(checksum(stdoutOnly));
            assertThat(checksum(render(values()))).isEqualTo(checksum(stdoutOnly));
        }

        private String checksum(RenderedChart r) {
            return r.deployment("iris-classifier").getSpec().getTemplate().getMetadata().getAnnotations()
                    .get("checksum/logging");
        }

        @Test
        void ingressRoutesTheHostToTheService() {
            RenderedChart r = render(with(with(values(), "ingress.enabled", true), "ingress.host", "iris.example.com"));
            reviewerChecks(r);
            Ingress ingress = r.ingress("iris-classifier");
            assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
            assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("iris.example.com");
            assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService()
                    .getName()).isEqualTo("iris-classifier");
        }

        @Test
        void autoscalingReplacesTheFixedReplicaCount() {
            RenderedChart r = render(with(values(), "autoscaling.enabled", true));
            reviewerChecks(r);
            assertThat(r.deployment("iris-classifier").getSpec().getReplicas()).isNull();
            HorizontalPodAutoscaler hpa = r.get(HorizontalPodAutoscaler.class, "iris-classifier");
            assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
            assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
            assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("iris-classifier");
            assertThat(hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization()).isEqualTo(70);
        }

        @Test
        void serviceMonitorScrapesMetrics() {
            RenderedChart r = render(with(values(), "serviceMonitor.enabled", true));
            GenericKubernetesResource monitor = r.get(GenericKubernetesResource.class, "iris-classifier");
            assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
            assertThat(monitor.getKind()).isEqualTo("ServiceMonitor");
            assertThat(r.text).contains("path: /metrics");
        }

        @ParameterizedTest
        @ValueSource(strings = {"staging", "production"})
        void eachEnvironmentOfTheExample(String environment) {
            DeployTarget target = DeployTarget.of(iris, Optional.of(environment));
            RenderedChart r = RenderedChart.render(chart, scratch, target.release(), target.namespace(),
                    values(target, Optional.empty()));
            reviewerChecks(r);
            assertThat(r.deployment("iris-classifier").getSpec().getReplicas())
                    .isEqualTo(environment.equals("production") ? 2 : 1);
            assertThat(target.namespace()).isEqualTo(environment.equals("production") ? "ml-prod" : "ml-staging");
        }
    }

    private static Map<String, Object> canaryValues(int weight) {
        Map<String, Object> v = values(DeployTarget.of(iris, Optional.empty()), Optional.of(new ChartValues.Canary(
                new ImageReference(IMAGE.repository(), "9e8d7c6", CANARY_DIGEST), "9e8d7c6b5a41", weight)));
        return with(with(v, "ingress.enabled", true), "ingress.host", "iris.example.com");
    }

    @Nested
    class Canary {
        @ParameterizedTest
        @ValueSource(ints = {0, 10, 50, 100})
        void secondDeploymentServiceAndWeightedCanaryIngress(int weight) {
            RenderedChart r = render(canaryValues(weight));
            reviewerChecks(r);
            Deployment stable = r.deployment("iris-classifier");
            Deployment canary = r.deployment("iris-classifier-canary");
            assertThat(stable.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).endsWith(DIGEST);
            assertThat(canary.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .isEqualTo(IMAGE.repository() + "@" + CANARY_DIGEST);
            assertThat(canary.getSpec().getTemplate().getMetadata().getLabels())
                    .containsEntry("io.cd4ml/model-version", "9e8d7c6b5a41")
                    .containsEntry("app.kubernetes.io/component", "canary");
            assertThat(stable.getSpec().getSelector().getMatchLabels())
                    .as("the stable selector never changes with a canary")
                    .isEqualTo(render(values()).deployment("iris-classifier").getSpec().getSelector().getMatchLabels());
            Ingress canaryIngress = r.ingress("iris-classifier-canary");
            assertThat(canaryIngress.getMetadata().getAnnotations())
                    .containsEntry("nginx.ingress.kubernetes.io/canary", "true")
                    .containsEntry("nginx.ingress.kubernetes.io/canary-weight", String.valueOf(weight));
            assertThat(canaryIngress.getSpec().getRules().get(0).getHost()).isEqualTo("iris.example.com");
            assertThat(canaryIngress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService()
                    .getName()).isEqualTo("iris-classifier-canary");
            assertThat(r.service("iris-classifier-canary")).isNotNull();
        }

        @Test
        void noCanaryObjectsWhenDisabled() {
            assertThat(render(values()).kinds()).noneMatch(k -> k.endsWith("-canary"));
        }
    }

    @Nested
    class RejectsBadValues {
        private String renderError(Map<String, Object> values) {
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> render(values));
            assertThat(t).as("rendering should fail").isInstanceOf(IllegalStateException.class);
            return t.getMessage();
        }

        @Test
        void unknownKeyBySchema() {
            assertThat(renderError(with(values(), "replicas", 3))).contains("replicas")
                    .containsIgnoringCase("additional properties");
        }

        @Test
        void canaryWeightAbove100BySchema() {
            assertThat(renderError(with(canaryValues(10), "canary.weight", 150))).contains("canary").contains("weight");
        }

        @Test
        void malformedDigestBySchema() {
            assertThat(renderError(with(values(), "image.digest", "sha256:xyz"))).contains("digest");
        }

        @Test
        void wrongTypeBySchema() {
            assertThat(renderError(with(values(), "replicaCount", "two"))).contains("replicaCount");
        }

        @Test
        void latestTagWithoutDigest() {
            assertThat(renderError(with(with(values(), "image.digest", ""), "image.tag", "latest")))
                    .contains("image.tag 'latest'");
        }

        @Test
        void missingRepositoryAndEveryOtherProblemAtOnce() {
            Map<String, Object> v = with(with(with(values(), "image.repository", ""), "ingress.enabled", true),
                    "ingress.host", "");
            assertThat(renderError(v)).contains("image.repository is required").contains("ingress.enabled needs ingress.host");
        }

        @Test
        void canaryWithoutIngress() {
            Map<String, Object> v = with(canaryValues(10), "ingress.enabled", false);
            assertThat(renderError(v)).contains("canary.enabled needs the stable Ingress");
        }

        @Test
        void gracePeriodShorterThanTheServersDrain() {
            assertThat(renderError(with(values(), "terminationGracePeriodSeconds", 20)))
                    .contains("set terminationGracePeriodSeconds >= 30");
        }

        @Test
        void drainLongerThanTheGracefulTimeout() {
            assertThat(renderError(with(values(), "server.drainDelaySeconds", 30)))
                    .contains("server.drainDelaySeconds (30) must be below server.gracefulTimeoutSeconds (25)");
        }
    }

    @Test
    void valuesFollowTheDocumentedOrder() {
        DeployTarget production = DeployTarget.of(iris, Optional.of("production"));
        Map<String, Object> v = ChartValues.of(iris, production, IMAGE, "3f2a9c1b7d4e", Optional.empty());
        assertThat(ChartValues.get(v, "replicaCount")).contains(2); // environment over the top level (1)
        assertThat(ChartValues.get(v, "image.digest")).contains(DIGEST);
        assertThat(ChartValues.get(v, "server.workers")).contains(1);
        assertThatThrownBy(() -> DeployTarget.of(iris, Optional.of("qa"))).hasMessageContaining("environment 'qa'")
                .hasMessageNotContaining("Exception");
    }
}
