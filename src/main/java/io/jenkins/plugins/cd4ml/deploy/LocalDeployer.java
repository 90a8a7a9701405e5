package io.jenkins.plugins.cd4ml.deploy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.LocalImages;
import io.jenkins.plugins.cd4ml.serve.LocalModelServer;
import io.jenkins.plugins.cd4ml.serve.ServingEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code deploy.target: local}: runs the serving image as a container on this machine (host
 * networking, a free port, restarted with the daemon), waits for {@code /ready}, sends one
 * prediction built from {@code features.yaml}, and only then removes the project's previous
 * local deployment; a new container that fails is removed and the old one keeps serving.
 *
 * <p>Where no Docker daemon answers it smoke-tests the bundled server as a process (as
 * {@code cd4ml serve --no-container} runs it), stops it, and says so in the result (status
 * {@code smoke-tested}).
 */
public final class LocalDeployer {

    /** Labels of a local deployment's container. */
    public static final String RELEASE_LABEL = "io.cd4ml.deploy.release";
    public static final String ENVIRONMENT_LABEL = "io.cd4ml.deploy.environment";
    private static final int LOG_LINES = 20;

    private final ProjectConfig config;
    private Optional<String> environment = Optional.empty();
    private Optional<String> image = Optional.empty();
    private Optional<String> model = Optional.empty();
    private final EngineContext context;
    private final EventSink events;
    private DockerClient docker;
    private Duration readyTimeout = Duration.ofMinutes(3);

    private LocalDeployer(ProjectConfig config, EngineContext context) {
        this.config = config;
        this.context = context;
        this.events = context.events();
        this.docker = context.clients().docker();
    }

    /** A local deployer with the operation's Docker daemon, environment ({@code CD4ML_PYTHON}) and events. */
    public static LocalDeployer forProject(ProjectConfig config, EngineContext context) {
        return new LocalDeployer(config, context);
    }

    public LocalDeployer withEnvironment(Optional<String> environment) {
        this.environment = environment.filter(e -> !e.isBlank());
        return this;
    }

    /** The image to run; default: the newest image the daemon has of the promoted model. */
    public LocalDeployer withImage(Optional<String> image) {
        this.image = image;
        return this;
    }

    /** Without Docker: the model to smoke-test (a version, URI or archive); default the promoted one. */
    public LocalDeployer withModel(Optional<String> model) {
        this.model = model;
        return this;
    }

    /**
     * The Docker daemon instead of the context's; {@code null} or one that does not answer means
     * "smoke-test as a process".
     */
    public LocalDeployer withDocker(DockerClient docker) {
        this.docker = docker;
        return this;
    }

    public LocalDeployer withReadyTimeout(Duration timeout) {
        this.readyTimeout = timeout;
        return this;
    }

    /** Deploys (or, without Docker, smoke-tests); a failed smoke test is a result with status {@code failed}. */
    public DeployResult deploy() {
        DeployTarget target = DeployTarget.of(config, environment);
        if (docker != null && io.jenkins.plugins.cd4ml.docker.DockerClients.isAvailable(docker)) {
            return inContainer(target);
        }
        return asProcess("no Docker daemon answers");
    }

    /**
     * Smoke-tests the model (see {@link #withModel}) with the bundled server as a process, as
     * {@code cd4ml serve --no-container} runs it, and stops it: what a local deploy does where no
     * container can run; {@code why} says why, in the warning.
     */
    public DeployResult asProcess(String why) {
        events.warn(why + ": smoke-testing the bundled model server as a process instead (it is stopped "
                + "afterwards; nothing keeps serving)");
        return asProcess(DeployTarget.of(config, environment));
    }

    /**
     * The model version the project's local container serves, empty when none runs: a stopped,
     * paused or restarting container serves nothing, so it is not the deployed model.
     */
    public Optional<String> deployedModelVersion() {
        DeployTarget target = DeployTarget.of(config, environment);
        if (docker == null || !io.jenkins.plugins.cd4ml.docker.DockerClients.isAvailable(docker)) {
            return Optional.empty();
        }
        return containers(target).stream().filter(LocalDeployer::serving).findFirst().map(c -> Optional
                .ofNullable(c.getLabels()).map(l -> l.get(ImageLookup.MODEL_VERSION_LABEL)).orElse(""))
                .filter(v -> !v.isEmpty());
    }

    /**
     * The recorded local deploys of the target, joined with the model's metrics. The last
     * successful deploy is {@code deployed} only while its container runs; once the container is
     * stopped or removed it is {@code stopped} (it served until then, and nothing serves now).
     *
     * @param at a time to answer "what served then" for; empty for now
     */
    public HistoryResult history(Optional<Instant> at, java.util.function.Function<String, Map<String, Double>> metrics) {
        DeployTarget target = DeployTarget.of(config, environment);
        boolean daemon = docker != null && io.jenkins.plugins.cd4ml.docker.DockerClients.isAvailable(docker);
        List<HistoryEntry> entries = new ArrayList<>();
        Optional<Instant> stoppedAt = Optional.empty();
        for (LocalDeployments.Line l : new LocalDeployments(config.directory(), target).withStatuses()) {
            String status = l.status();
            String description = l.description();
            if (status.equals("deployed") && !daemon) {
                events.warn("no Docker daemon answers, so whether " + l.container() + " (revision " + l.revision()
                        + ") still serves is not known: its status is the recorded one");
            } else if (status.equals("deployed")) {
                Optional<ContainerStatus> state = state(l.container());
                if (state.isEmpty() || !state.get().running()) {
                    status = "stopped";
                    stoppedAt = state.flatMap(ContainerStatus::finished);
                    description += state.isEmpty() ? "; container " + l.container() + " no longer exists"
                            : "; container " + l.container() + " stopped" + stoppedAt.map(t -> " at " + t).orElse("");
                }
            }
            entries.add(new HistoryEntry(l.revision(), l.updated(), status, description, l.image(),
                    l.modelVersion(), "", l.modelVersion().isEmpty() ? Map.of() : metrics.apply(l.modelVersion())));
        }
        HistoryResult result = DeployHistory.result(target, entries, at);
        HistoryEntry serving = result.servingAt();
        if (at.isPresent() && serving != null && serving.status().equals("stopped") && stoppedAt.isPresent()
                && !at.get().isBefore(stoppedAt.get())) {
            return new HistoryResult(result.environment(), result.target(), result.release(), result.namespace(),
                    result.revisions(), result.at(), null);
        }
        return result;
    }

    /** Whether a container runs, and when it last stopped (empty when it never ran). */
    private record ContainerStatus(boolean running, Optional<Instant> finished) {
    }

    private Optional<ContainerStatus> state(String container) {
        try {
            InspectContainerResponse.ContainerState s = docker.inspectContainerCmd(container).exec().getState();
            Optional<Instant> finished = Optional.ofNullable(s == null ? null : s.getFinishedAt())
                    .filter(t -> !t.startsWith("0001-")).map(Instant::parse);
            return Optional.of(new ContainerStatus(s != null && Boolean.TRUE.equals(s.getRunning())
                    && !Boolean.TRUE.equals(s.getPaused()) && !Boolean.TRUE.equals(s.getRestarting()), finished));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** The project's containers in the target's environment, running or not. */
    private List<Container> containers(DeployTarget target) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(RELEASE_LABEL, target.release(),
                ENVIRONMENT_LABEL, environmentLabel(target))).exec();
    }

    /** Only a running container answers requests ({@code exited}, {@code created}, {@code paused}, ... do not). */
    private static boolean serving(Container container) {
        return "running".equals(container.getState());
    }

    private static String names(List<Container> containers) {
        return String.join(", ", containers.stream().map(c -> c.getNames()[0].replaceFirst("^/", "")).toList());
    }

    private static String environmentLabel(DeployTarget target) {
        return target.environment().isEmpty() ? "default" : target.environment();
    }

    private DeployResult inContainer(DeployTarget target) {
        String chosen = image.orElseGet(() -> LocalImages.forPromotedModel(config, context, docker));
        String modelVersion;
        try {
            Map<String, String> labels = docker.inspectImageCmd(chosen).exec().getConfig().getLabels();
            modelVersion = labels == null ? "" : labels.getOrDefault(ImageLookup.MODEL_VERSION_LABEL, "");
        } catch (NotFoundException e) {
            throw Cd4mlException.badInput("the Docker daemon has no image " + chosen, "build it (cd4ml build-image) "
                    + "or pull it first");
        }
        List<Container> previous = containers(target);
        List<Container> servingBefore = previous.stream().filter(LocalDeployer::serving).toList();
        int port = freePort();
        String name = "cd4ml-" + target.release() + "-" + Integer.toHexString(ThreadLocalRandom.current()
                .nextInt(0x1000, 0x10000));
        List<String> env = new ArrayList<>();
        ServingEnvironment.of(config, port, Optional.of(chosen)).forEach((k, v) -> env.add(k + "=" + v));
        String id = docker.createContainerCmd(chosen).withName(name).withEnv(env)
                .withLabels(Map.of(RELEASE_LABEL, target.release(), ENVIRONMENT_LABEL, environmentLabel(target),
                        ImageLookup.MODEL_VERSION_LABEL, modelVersion, "io.cd4ml.deploy.port", String.valueOf(port)))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host")
                        .withRestartPolicy(RestartPolicy.unlessStoppedRestart())).exec().getId();
        String url = "http://127.0.0.1:" + port + "/";
        Optional<String> failure;
        try {
            docker.startContainerCmd(id).exec();
            events.info("started " + name + " from " + chosen + " (host network, port " + port + "); waiting for /ready");
            SmokeTest smoke = new SmokeTest(url);
            failure = smoke.awaitReady(readyTimeout, () -> isRunning(id));
            if (failure.isEmpty()) {
                failure = smoke.predictOnce(config.features());
            }
        } catch (InterruptedException e) {
            remove(id);
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("the local deployment " + name + " (removed)");
        } catch (RuntimeException e) {
            remove(id);
            throw e;
        }
        if (failure.isPresent()) {
            List<String> logs = logTail(id);
            remove(id);
            String kept = servingBefore.isEmpty() ? "nothing was serving before" : "the previous deployment "
                    + names(servingBefore) + " keeps serving";
            if (servingBefore.size() < previous.size()) {
                kept += " (stopped, left as they were: " + names(previous.stream().filter(c -> !serving(c)).toList())
                        + ")";
            }
            events.warn("the new container failed its smoke test: " + failure.get() + "; it was removed and " + kept);
            new LocalDeployments(config.directory(), target).record(Instant.now(), "failed", "smoke test failed: "
                    + failure.get(), chosen, modelVersion, name);
            return new DeployResult("deploy", target.environment(), "local", name, "", 0, "", chosen, modelVersion,
                    "failed", "", "", 0, List.of(new RolloutProblem("container/" + name, "server", "SmokeTestFailed",
                            failure.get(), logs)), failure.get() + "; " + kept);
        }
        events.info("smoke test passed: one prediction from " + url + "predict");
        for (Container old : previous) {
            events.info("removing the " + (serving(old) ? "previous" : "stopped earlier") + " local deployment "
                    + old.getNames()[0].replaceFirst("^/", ""));
            remove(old.getId());
        }
        new LocalDeployments(config.directory(), target).record(Instant.now(), "deployed", "cd4ml deploy " + chosen
                + " (model " + modelVersion + ") as " + name + " on " + url, chosen, modelVersion, name);
        return new DeployResult("deploy", target.environment(), "local", name, "", 0, "", chosen, modelVersion,
                "deployed", url, "", 0, List.of(), "");
    }

    private DeployResult asProcess(DeployTarget target) {
        int port = freePort();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread server = new Thread(() -> {
            try {
                LocalModelServer.inProcess(config, model, context).withPort(port)
                        .withReadyNotice("sending one prediction, then stopping it").run();
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "cd4ml-local-smoke-test");
        server.start();
        Optional<String> failure;
        String url = "http://127.0.0.1:" + port + "/";
        try {
            SmokeTest smoke = new SmokeTest(url);
            failure = smoke.awaitReady(readyTimeout, server::isAlive);
            if (failure.isEmpty()) {
                failure = smoke.predictOnce(config.features());
            }
        } catch (InterruptedException e) {
            server.interrupt();
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("the local smoke test (server stopped)");
        } finally {
            server.interrupt();
            try {
                server.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure.isEmpty() && outcome.get() != null && !(outcome.get() instanceof OperationStoppedException)) {
            failure = Optional.of(String.valueOf(outcome.get().getMessage()));
        }
        if (failure.isPresent() && outcome.get() instanceof Cd4mlException c && !(c instanceof OperationStoppedException)) {
            failure = Optional.of(failure.get() + ": " + c.getMessage());
        }
        if (failure.isEmpty()) {
            events.info("smoke test passed: one prediction from " + url + "predict; the server was stopped");
        }
        String how = "smoke-tested the bundled server as a process and stopped it";
        return new DeployResult("deploy", target.environment(), "local", "process", "", 0, "", "", "",
                failure.isPresent() ? "failed" : "smoke-tested", "", "", 0, failure.map(f -> List.of(
                        new RolloutProblem("process", "server", "SmokeTestFailed", f, List.of()))).orElse(List.of()),
                failure.map(f -> f + " (" + how + ")").orElse(""));
    }

    private boolean isRunning(String id) {
        try {
            InspectContainerResponse c = docker.inspectContainerCmd(id).exec();
            // a server that exited once is broken even though the restart policy brings it back
            return c.getState() != null && Boolean.TRUE.equals(c.getState().getRunning())
                    && !Boolean.TRUE.equals(c.getState().getRestarting())
                    && (c.getRestartCount() == null || c.getRestartCount() == 0);
        } catch (DockerException e) {
            return false;
        }
    }

    private List<String> logTail(String id) {
        List<String> lines = new ArrayList<>();
        try {
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(LOG_LINES)
                    .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            new String(frame.getPayload(), StandardCharsets.UTF_8).lines().forEach(lines::add);
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (DockerException e) {
            // the logs are a help
        }
        return List.copyOf(lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
    }

    private void remove(String id) {
        boolean interrupted = Thread.interrupted();
        try {
            try {
                docker.stopContainerCmd(id).withTimeout(30).exec(); // SIGTERM: the server drains and flushes
            } catch (DockerException e) {
                // already stopped
            }
            docker.removeContainerCmd(id).withForce(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on this machine", e);
        }
    }
}
