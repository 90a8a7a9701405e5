package io.jenkins.plugins.cd4ml.deploy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import io.jenkins.plugins.cd4ml.image.RegistryCredentials;
import io.jenkins.plugins.cd4ml.image.jib.RegistryImageLabels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Deploys a project's serving image with the bundled Helm chart, and moves its release about:
 * rollback, canary promote and abort.
 *
 * <pre>{@code
 * DeployResult r = Deployer.forProject(config).withEnvironment("staging")
 *         .withImage(ImageReference.parse("registry/iris@sha256:…"), "3f2a9c1b7d4e").withEvents(sink).deploy();
 * }</pre>
 *
 * <p>Every change is {@code helm upgrade --install --atomic --wait --timeout} through a
 * {@link ReleaseClient}: a rollout that does not become ready is rolled back by Helm, and the
 * result says to which revision and why (the pods are watched while Helm waits). With
 * {@code deploy.strategy: canary} a deploy into an existing release leaves the stable pods alone
 * and runs the new image as the canary at {@link #withCanaryWeight(int) a weight}.
 *
 * <p>Targets other than {@code helm} are refused here; {@link LocalDeployer} runs
 * {@code deploy.target: local}.
 */
public final class Deployer {

    /** The image label holding the model's metrics (JSON), as cd4ml build-image writes it. */
    public static final String METRICS_LABEL = "io.cd4ml.model.metrics";

    /** The weight a new canary starts at when none is given. */
    public static final int DEFAULT_CANARY_WEIGHT = 10;

    private final ProjectConfig config;
    private Optional<String> environment = Optional.empty();
    private Optional<ImageReference> image = Optional.empty();
    private String modelVersion = "";
    private OptionalInt canaryWeight = OptionalInt.empty();
    private Optional<String> kubeContext = Optional.empty();
    private Optional<String> kubeconfig = Optional.empty();
    private Map<String, String> processEnvironment;
    private Duration timeout = Duration.ofMinutes(5);
    private EventSink events;
    private final CancelToken cancel;
    private ReleaseClient releases = new HelmReleaseClient();
    private Optional<KubeAccess> cluster = Optional.empty();
    private Function<KubeAccess, KubernetesClient> kubernetes = KubeAccess::client;
    private Duration watchPeriod = Duration.ofSeconds(3);
    private ImageLabelReader imageLabels = this::registryLabels;

    /** Reads the labels of a deployed image ({@code repository}, {@code sha256:…} or tag). */
    @FunctionalInterface
    public interface ImageLabelReader {
        /** The image's labels; throws when the image cannot be read. */
        Map<String, String> labels(String repository, String tagOrDigest) throws IOException;
    }

    private Deployer(ProjectConfig config, EngineContext context) {
        this.config = config;
        this.processEnvironment = context.environment();
        this.events = context.events();
        this.cancel = context.cancel();
    }

    /**
     * A deployer in the operation's context: its environment ({@code KUBECONFIG}, {@code HOME},
     * {@code KUBERNETES_SERVICE_HOST}; never the JVM's), events and cancel token (a cancel stops
     * waiting for Helm and the rollout watch, and the operation throws
     * {@link OperationStoppedException}).
     */
    public static Deployer forProject(ProjectConfig config, EngineContext context) {
        return new Deployer(config, context);
    }

    /**
     * A deployer with an empty environment, no events and a token nobody cancels; set them with
     * {@link #withProcessEnvironment} and {@link #withEvents}, or use
     * {@link #forProject(ProjectConfig, EngineContext)}.
     */
    public static Deployer forProject(ProjectConfig config) {
        return new Deployer(config, EngineContext.builder().build());
    }

    /** The environment under {@code deploy.environments}; none for the top-level settings. */
    public Deployer withEnvironment(Optional<String> environment) {
        this.environment = environment.filter(e -> !e.isBlank());
        return this;
    }

    public Deployer withEnvironment(String environment) {
        return withEnvironment(Optional.ofNullable(environment));
    }

    /** The image to deploy and the model version it serves (from its labels or the build). */
    public Deployer withImage(ImageReference image, String modelVersion) {
        this.image = Optional.of(image);
        this.modelVersion = modelVersion;
        return this;
    }

    /** The canary's share of Ingress requests, 0 to 100 ({@code deploy.strategy: canary}). */
    public Deployer withCanaryWeight(int weight) {
        if (weight < 0 || weight > 100) {
            throw Cd4mlException.badInput("canary weight " + weight + " is not a percentage", "use 0 to 100");
        }
        this.canaryWeight = OptionalInt.of(weight);
        return this;
    }

    /** Overrides {@code deploy.kube_context} (and the environment's). */
    public Deployer withKubeContext(Optional<String> context) {
        this.kubeContext = context;
        return this;
    }

    /** Overrides {@code deploy.kubeconfig} (and the environment's). */
    public Deployer withKubeconfig(Optional<String> kubeconfig) {
        this.kubeconfig = kubeconfig;
        return this;
    }

    /** Where {@code KUBECONFIG}, {@code HOME} and {@code KUBERNETES_SERVICE_HOST} are read. */
    public Deployer withProcessEnvironment(Map<String, String> environment) {
        this.processEnvironment = Map.copyOf(environment);
        return this;
    }

    /** How long Helm waits for the rollout ({@code --timeout}); 5 minutes by default. */
    public Deployer withTimeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public Deployer withEvents(EventSink events) {
        this.events = events;
        return this;
    }

    /** The Helm release calls (tests record them); helm-java by default. */
    public Deployer withReleases(ReleaseClient releases) {
        this.releases = releases;
        return this;
    }

    /** The cluster, instead of resolving it from the kubeconfig. */
    public Deployer withCluster(KubeAccess cluster) {
        this.cluster = Optional.of(cluster);
        return this;
    }

    /** How the rollout watcher gets its fabric8 client (tests hand in the mock server's). */
    public Deployer withKubernetesClients(Function<KubeAccess, KubernetesClient> factory) {
        this.kubernetes = factory;
        return this;
    }

    /** Where {@link #history} reads the images' labels; the images' registries by default. */
    public Deployer withImageLabels(ImageLabelReader reader) {
        this.imageLabels = reader;
        return this;
    }

    Deployer withWatchPeriod(Duration period) {
        this.watchPeriod = period;
        return this;
    }

    /** Where this deploy goes. */
    public DeployTarget target() {
        return DeployTarget.of(config, environment);
    }

    /**
     * Deploys the image: a rolling update of the stable pods, or with {@code strategy: canary} and
     * a release already serving, the canary (or, without an image, the canary's new weight).
     */
    public DeployResult deploy() {
        DeployTarget target = helmTarget("deploy");
        boolean canaryStrategy = config.deploy().orElseThrow().strategy().equals("canary");
        if (image.isEmpty() && !canaryStrategy) {
            throw Cd4mlException.badInput("no image to deploy", "pass --image REF (the reference cd4ml "
                    + "build-image printed, ideally repository@sha256:… after --push)");
        }
        KubeAccess access = cluster(target);
        Map<String, Object> current = canaryStrategy ? currentValues(target, access) : Map.of();
        Map<String, Object> values;
        String description;
        if (canaryStrategy && !current.isEmpty()) {
            Map<String, Object> canaryNow = mapAt(current, "canary");
            boolean running = Boolean.TRUE.equals(canaryNow.get("enabled"));
            ImageReference canaryImage;
            String canaryModel;
            if (image.isPresent()) {
                canaryImage = image.get();
                canaryModel = modelVersion;
            } else if (running) {
                canaryImage = imageAt(mapAt(canaryNow, "image"));
                canaryModel = String.valueOf(mapAt(canaryNow, "model").getOrDefault("version", ""));
            } else {
                throw Cd4mlException.badInput("no image to deploy and no canary running in " + target.describe(),
                        "pass --image REF (the reference cd4ml build-image printed)");
            }
            int weight = canaryWeight.orElse(running && image.isEmpty()
                    ? ((Number) canaryNow.getOrDefault("weight", DEFAULT_CANARY_WEIGHT)).intValue() : DEFAULT_CANARY_WEIGHT);
            values = ChartValues.of(config, target, imageAt(mapAt(current, "image")),
                    String.valueOf(mapAt(current, "model").getOrDefault("version", "")),
                    Optional.of(new ChartValues.Canary(canaryImage, canaryModel, weight)));
            description = "cd4ml canary " + canaryImage.pinned() + " (model " + canaryModel + ") at " + weight + "%";
        } else {
            if (image.isEmpty()) {
                throw Cd4mlException.badInput("no image to deploy", "pass --image REF (the reference cd4ml "
                        + "build-image printed, ideally repository@sha256:… after --push)");
            }
            if (canaryWeight.isPresent() && !canaryStrategy) {
                throw Cd4mlException.badInput("--canary-weight needs deploy.strategy: canary",
                        "set deploy.strategy: canary in config.yaml, or drop --canary-weight");
            }
            if (canaryStrategy) {
                events.info("no release serves yet in " + target.describe() + ": the first deploy is the stable one");
            }
            values = ChartValues.of(config, target, image.get(), modelVersion, Optional.empty());
            description = "cd4ml deploy " + image.get().pinned() + " (model " + modelVersion + ")";
        }
        return upgrade("deploy", target, access, values, description);
    }

    /**
     * Deploys again the values of revision {@code revision} (default: the last good one before the
     * current), with the bundled chart. helm-java has no {@code helm rollback}, so this is an
     * upgrade to that revision's values: the history gains a revision, as after {@code helm rollback}.
     */
    public DeployResult rollback(OptionalInt revision) {
        DeployTarget target = helmTarget("rollback");
        KubeAccess access = cluster(target);
        List<ReleaseClient.RevisionInfo> history = helm("the Helm history of " + target.describe(),
                () -> releases.history(target.release(), access));
        if (history.isEmpty()) {
            throw Cd4mlException.badInput("there is no " + target.describe() + " to roll back",
                    "deploy first (cd4ml deploy)");
        }
        int current = history.get(history.size() - 1).revision();
        int to;
        if (revision.isPresent()) {
            to = revision.getAsInt();
            if (history.stream().noneMatch(h -> h.revision() == to)) {
                throw Cd4mlException.badInput("revision " + to + " of " + target.describe() + " is not in its history",
                        "use one of: " + String.join(", ", history.stream().map(h -> String.valueOf(h.revision()))
                                .toList()));
            }
            if (to == current) {
                throw Cd4mlException.badInput("revision " + to + " is the current one", "name an earlier revision");
            }
        } else {
            to = history.stream().filter(h -> h.revision() < current)
                    .filter(h -> h.status().equals("superseded") || h.status().equals("deployed"))
                    .map(ReleaseClient.RevisionInfo::revision).reduce((a, b) -> b)
                    .orElseThrow(() -> Cd4mlException.badInput(target.describe() + " has no earlier successful "
                            + "revision to roll back to", "deploy the image you want with cd4ml deploy --image"));
        }
        Map<String, Object> values = helm("the values of revision " + to + " of " + target.describe(),
                () -> releases.values(target.release(), OptionalInt.of(to), access));
        return upgrade("rollback", target, access, values, "cd4ml rollback to revision " + to);
    }

    /** Makes the canary the stable release: the stable pods get its image, and the canary is removed. */
    public DeployResult promote() {
        DeployTarget target = helmTarget("promote");
        KubeAccess access = cluster(target);
        Map<String, Object> values = requireCanary(target, access, "promote");
        Map<String, Object> canary = mapAt(values, "canary");
        ImageReference promoted = imageAt(mapAt(canary, "image"));
        String model = String.valueOf(mapAt(canary, "model").getOrDefault("version", ""));
        ChartValues.put(values, "image.repository", promoted.repository());
        ChartValues.put(values, "image.tag", promoted.tag());
        ChartValues.put(values, "image.digest", promoted.digest());
        ChartValues.put(values, "model.version", model);
        ChartValues.put(values, "canary.enabled", false);
        return upgrade("promote", target, access, values, "cd4ml promote canary " + promoted.pinned() + " (model "
                + model + ")");
    }

    /** Removes the canary; the stable pods are untouched. */
    public DeployResult abortCanary() {
        DeployTarget target = helmTarget("abort-canary");
        KubeAccess access = cluster(target);
        Map<String, Object> values = requireCanary(target, access, "abort");
        ChartValues.put(values, "canary.enabled", false);
        return upgrade("abort-canary", target, access, values, "cd4ml abort canary");
    }

    /**
     * The model version serving in the target now (the stable pods'), read from the release's values;
     * empty when nothing is deployed there. For {@code quality_gate.compare_to: deployed[:ENV]}.
     */
    public Optional<String> deployedModelVersion() {
        DeployTarget target = target();
        if (target.target().equals("local")) {
            throw Cd4mlException.badInput("the deployed model of a local target is read with LocalDeployer",
                    "use LocalDeployer.deployedModelVersion");
        }
        Map<String, Object> values = currentValues(target, cluster(target));
        Object version = mapAt(values, "model").get("version");
        return version == null || String.valueOf(version).isBlank() ? Optional.empty()
                : Optional.of(String.valueOf(version));
    }

    /**
     * The release's revisions from {@code helm history}, each joined with its values (image, model
     * version, canary) and the model's metrics.
     *
     * @param at a time to answer "what served then" for; empty for now
     * @param metrics the metrics of a model version (empty map when unknown)
     */
    public HistoryResult history(Optional<Instant> at, Function<String, Map<String, Double>> metrics) {
        DeployTarget target = helmTarget("history");
        KubeAccess access = cluster(target);
        List<ReleaseClient.RevisionInfo> revisions;
        try {
            revisions = helm("the Helm history of " + target.describe(), () -> releases.history(target.release(),
                    access));
        } catch (IllegalStateException e) {
            throw helmFailure("read the history of " + target.describe(), access, e);
        }
        List<HistoryEntry> entries = new java.util.ArrayList<>();
        Map<String, Map<String, String>> labelCache = new java.util.HashMap<>();
        for (ReleaseClient.RevisionInfo r : revisions) {
            Map<String, Object> values;
            try {
                values = helm("the values of revision " + r.revision() + " of " + target.describe(),
                        () -> releases.values(target.release(), OptionalInt.of(r.revision()), access));
            } catch (IllegalStateException e) {
                values = Map.of();
            }
            Map<String, Object> image = mapAt(values, "image");
            String version = String.valueOf(mapAt(values, "model").getOrDefault("version", ""));
            Map<String, Object> canary = mapAt(values, "canary");
            String canaryText = Boolean.TRUE.equals(canary.get("enabled")) ? imageAt(mapAt(canary, "image")).pinned()
                    + " (model " + mapAt(canary, "model").getOrDefault("version", "") + ") at " + canary.get("weight")
                    + "%" : "";
            Map<String, Double> fromImage = image.isEmpty() ? Map.of() : labelledMetrics(imageAt(image), version,
                    labelCache);
            entries.add(new HistoryEntry(r.revision(), r.updated(), r.status(), String.valueOf(r.description()),
                    image.isEmpty() ? "" : imageAt(image).pinned(), version, canaryText,
                    !fromImage.isEmpty() || version.isEmpty() ? fromImage : metrics.apply(version)));
        }
        return DeployHistory.result(target, entries, at);
    }

    /**
     * The metrics in the {@code io.cd4ml.model.metrics} label of the image a revision ran, when its
     * model version label matches the revision's; empty when the image cannot be read (reported once).
     */
    private Map<String, Double> labelledMetrics(ImageReference image, String version,
            Map<String, Map<String, String>> cache) {
        String at = image.digest().isEmpty() ? image.tag() : image.digest();
        if (at.isEmpty()) {
            return Map.of();
        }
        Map<String, String> labels = cache.computeIfAbsent(image.pinned(), k -> {
            try {
                return imageLabels.labels(image.repository(), at);
            } catch (IOException | RuntimeException e) {
                events.warn("cannot read the labels of " + image.pinned() + " from its registry (" + e.getMessage()
                        + "); its metrics come from the model store");
                return Map.of();
            }
        });
        String labelled = labels.getOrDefault(ImageLookup.MODEL_VERSION_LABEL, "");
        String json = labels.get(METRICS_LABEL);
        if (json == null || (!version.isEmpty() && !labelled.equals(version))) {
            return Map.of();
        }
        try {
            Map<String, Double> metrics = new LinkedHashMap<>();
            Json.mapper().readTree(json).fields().forEachRemaining(f -> {
                if (f.getValue().isNumber()) {
                    metrics.put(f.getKey(), f.getValue().asDouble());
                }
            });
            return metrics;
        } catch (IOException e) {
            return Map.of();
        }
    }

    private Map<String, String> registryLabels(String repository, String tagOrDigest) throws IOException {
        return RegistryImageLabels.read(repository, tagOrDigest, RegistryCredentials.defaults(
                ImageNames.registry(repository), processEnvironment));
    }

    private DeployTarget helmTarget(String operation) {
        DeployTarget target = target();
        if (!target.target().equals("helm")) {
            throw Cd4mlException.badInput(operation + " works on Helm releases; " + (target.environment().isEmpty()
                    ? "deploy.target" : "environment " + target.environment()) + " is '" + target.target() + "'",
                    operation.equals("deploy") ? "use LocalDeployer for a local target" : "a local deployment is "
                            + "replaced by the next cd4ml deploy");
        }
        return target;
    }

    private KubeAccess cluster(DeployTarget target) {
        return cluster.orElseGet(() -> KubeAccess.resolve(target.namespace(),
                kubeconfig.or(() -> Optional.of(target.kubeconfig())), kubeContext.or(() -> Optional.of(
                        target.kubeContext())), config.directory(), processEnvironment));
    }

    private Map<String, Object> currentValues(DeployTarget target, KubeAccess access) {
        try {
            if (helm("the Helm history of " + target.describe(), () -> releases.history(target.release(), access))
                    .isEmpty()) {
                return Map.of();
            }
            return helm("the values of " + target.describe(), () -> releases.values(target.release(),
                    OptionalInt.empty(), access));
        } catch (IllegalStateException e) {
            throw helmFailure("read " + target.describe(), access, e);
        }
    }

    private Map<String, Object> requireCanary(DeployTarget target, KubeAccess access, String verb) {
        Map<String, Object> values = new LinkedHashMap<>(currentValues(target, access));
        if (!Boolean.TRUE.equals(mapAt(values, "canary").get("enabled"))) {
            throw Cd4mlException.badInput("no canary runs in " + target.describe() + " to " + verb,
                    "start one with deploy.strategy: canary and cd4ml deploy --image REF");
        }
        return values;
    }

    private DeployResult upgrade(String operation, DeployTarget target, KubeAccess access, Map<String, Object> values,
            String description) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("cd4ml-chart-");
            Path chart = BundledChart.extractTo(scratch.resolve("chart"));
            String chartVersion = BundledChart.version(chart);
            ReleaseClient.UpgradeRequest request = new ReleaseClient.UpgradeRequest(target.release(), chart, values,
                    access, true, true, true, true, (int) Math.max(1, timeout.toSeconds()), description);
            events.info(description + " → " + target.describe() + " with " + access.describe() + " (helm upgrade "
                    + "--install --atomic --wait --timeout " + request.timeoutSeconds() + "s)");
            try (KubernetesClient client = kubernetes.apply(access);
                    RolloutWatcher watcher = new RolloutWatcher(new RolloutDiagnosis(client, target.namespace()),
                            List.of(target.release(), target.release() + "-canary"), events).start(watchPeriod)) {
                ReleaseClient.ReleaseInfo release;
                try {
                    release = helm("the Helm " + operation + " of " + target.describe() + " (cd4ml stopped waiting "
                            + "for it; Helm's own --atomic --timeout " + request.timeoutSeconds() + "s rolls back a "
                            + "rollout that does not become ready while this process lives: check helm status "
                            + target.release() + " -n " + target.namespace() + ")", () -> releases.upgradeInstall(
                                    request));
                } catch (IllegalStateException e) {
                    if (unreachable(String.valueOf(e.getMessage()))) {
                        throw helmFailure(operation + " " + target.describe(), access, e);
                    }
                    watcher.observe();
                    return failed(operation, target, access, values, chartVersion, e, watcher.lastSeen());
                }
                return result(operation, target, values, chartVersion, release.revision(), "deployed", 0, List.of(), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TemporaryDirectory.deleteQuietly(scratch);
        }
    }

    /**
     * Makes one Helm call on a thread of its own and waits for it unless the token is cancelled:
     * helm-java runs Helm natively, where a Java interrupt does not reach, so a cancel interrupts
     * the call's thread (a {@link ReleaseClient} that honours interrupts aborts) and stops waiting.
     *
     * @param what what is stopped, for the message
     * @throws OperationStoppedException when the token is cancelled before or during the call
     */
    <T> T helm(String what, Supplier<T> call) {
        cancel.throwIfCancelled(what + ", before it started");
        CompletableFuture<T> outcome = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                outcome.complete(call.get());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        }, "cd4ml-helm");
        thread.setDaemon(true); // a Helm call that never returns must not keep the JVM alive
        try (CancelToken.Registration stop = cancel.onCancel(() -> {
            outcome.cancel(false); // first: what the interrupted call then throws is not the outcome
            thread.interrupt();
        })) {
            thread.start();
            return outcome.get();
        } catch (CancellationException e) {
            throw new OperationStoppedException(what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationStoppedException(what);
        } catch (ExecutionException e) {
            if (cancel.isCancelled()) {
                throw new OperationStoppedException(what); // the call failed because it was stopped
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private DeployResult failed(String operation, DeployTarget target, KubeAccess access, Map<String, Object> values,
            String chartVersion, IllegalStateException e, List<RolloutProblem> problems) {
        String message = String.valueOf(e.getMessage()).strip();
        List<ReleaseClient.RevisionInfo> history;
        try {
            history = helm("the Helm history of " + target.describe(), () -> releases.history(target.release(),
                    access));
        } catch (IllegalStateException again) {
            history = List.of();
        }
        String status;
        int revision = 0;
        int rolledBackTo = 0;
        Map<String, Object> now = values;
        if (history.isEmpty()) {
            status = "removed";
        } else {
            ReleaseClient.RevisionInfo last = history.get(history.size() - 1);
            revision = last.revision();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Rollback to (\\d+)").matcher(
                    String.valueOf(last.description()));
            if (m.find()) {
                status = "rolled-back";
                rolledBackTo = Integer.parseInt(m.group(1));
                try {
                    now = helm("the values of " + target.describe(), () -> releases.values(target.release(),
                            OptionalInt.empty(), access));
                } catch (IllegalStateException again) {
                    now = Map.of();
                }
            } else {
                status = "failed";
            }
        }
        events.warn(operation + " of " + target.describe() + " failed: " + message);
        problems.forEach(p -> events.warn("  " + p.describe()));
        return result(operation, target, now, chartVersion, revision, status, rolledBackTo, problems, message);
    }

    private static boolean unreachable(String message) {
        return message.contains("Kubernetes cluster unreachable") || message.contains("connection refused")
                || message.contains("no such host");
    }

    private static Cd4mlException helmFailure(String what, KubeAccess access, IllegalStateException e) {
        String message = String.valueOf(e.getMessage()).strip();
        if (unreachable(message)) {
            return Cd4mlException.workFailed("could not " + what + ": the cluster of " + access.describe()
                    + " does not answer (" + message + ")", "check the kube context (--kube-context, "
                    + "deploy.kube_context) and that the API server is reachable (kubectl get ns)", e);
        }
        return Cd4mlException.workFailed("could not " + what + ": " + message, "check kubectl access to namespace "
                + access.namespace(), e);
    }

    private DeployResult result(String operation, DeployTarget target, Map<String, Object> values, String chartVersion,
            int revision, String status, int rolledBackTo, List<RolloutProblem> problems, String error) {
        Map<String, Object> image = mapAt(values, "image");
        String pinned = image.isEmpty() ? "" : imageAt(image).pinned();
        Map<String, Object> canary = mapAt(values, "canary");
        String canaryText = Boolean.TRUE.equals(canary.get("enabled")) ? imageAt(mapAt(canary, "image")).pinned()
                + " (model " + mapAt(canary, "model").getOrDefault("version", "") + ") at " + canary.get("weight") + "%"
                : "";
        return new DeployResult(operation, target.environment(), "helm", target.release(), target.namespace(), revision,
                chartVersion, pinned, String.valueOf(mapAt(values, "model").getOrDefault("version", "")), status,
                url(target, values), canaryText, rolledBackTo, List.copyOf(problems), error);
    }

    private static String url(DeployTarget target, Map<String, Object> values) {
        Map<String, Object> ingress = mapAt(values, "ingress");
        if (Boolean.TRUE.equals(ingress.get("enabled")) && ingress.get("host") != null) {
            boolean tls = ingress.get("tlsSecretName") != null && !String.valueOf(ingress.get("tlsSecretName")).isEmpty();
            String path = String.valueOf(ingress.getOrDefault("path", "/"));
            return (tls ? "https://" : "http://") + ingress.get("host") + (path.endsWith("/") ? path : path + "/");
        }
        Object port = mapAt(values, "service").getOrDefault("port", 80);
        return "http://" + target.release() + "." + target.namespace() + ".svc.cluster.local"
                + (String.valueOf(port).equals("80") ? "" : ":" + port) + "/";
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> mapAt(Map<String, Object> values, String key) {
        Object child = values.get(key);
        return child instanceof Map ? (Map<String, Object>) child : Map.of();
    }

    private static ImageReference imageAt(Map<String, Object> image) {
        return new ImageReference(String.valueOf(image.getOrDefault("repository", "")),
                String.valueOf(image.getOrDefault("tag", "")), String.valueOf(image.getOrDefault("digest", "")));
    }
}
