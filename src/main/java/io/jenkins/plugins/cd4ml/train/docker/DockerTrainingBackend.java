package io.jenkins.plugins.cd4ml.train.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.model.WaitResponse;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.docker.DockerErrors;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.BackendRun;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the training script in a container of {@code train.image} on a Docker daemon, as
 * SageMaker would: the run directory is {@code /opt/ml} (read-write), the project is
 * {@code /opt/ml/code} (read-only, and the working directory), and the {@code SM_*} environment
 * points into {@code /opt/ml}.
 *
 * <p>Both are bind mounts, so the daemon must see this machine's files (a local daemon, or one
 * that shares these paths). The container runs as the user who owns the run directory, so what
 * the script writes stays theirs; it uses the host's network (these builds never create Docker
 * networks) and {@code docker-init} as PID 1, so a stop reaches the script at once. Its labels
 * ({@value #RUN_ID_LABEL}, {@value #PROJECT_LABEL}, {@value #MANAGED_BY_LABEL}) name the run. The
 * container is removed when the run ends, however it ends.
 *
 * <p>When the command runs Python and the project has a {@code requirements.txt}, pip installs it
 * in the container first ({@link TrainingRequirements}), so a stock Python image can train.
 */
public final class DockerTrainingBackend implements TrainingBackend {

    /** Label holding the run id. */
    public static final String RUN_ID_LABEL = "io.cd4ml/run-id";
    /** Label holding the project name. */
    public static final String PROJECT_LABEL = "io.cd4ml/project";
    /** Label marking containers cd4ml started (value {@code cd4ml}). */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

    static final String CODE_DIR = RunDirectory.CONTAINER_ROOT + "/code";
    private static final int TIMEOUT_STOP_GRACE_SECONDS = 10;
    private static final int INTERRUPT_STOP_GRACE_SECONDS = 3;
    private static final long LOG_DRAIN_SECONDS = 30;

    private final DockerClient docker;
    private final Map<String, String> pipSettings;

    /** @param docker the client of the daemon to train on */
    public DockerTrainingBackend(DockerClient docker) {
        this(docker, Map.of());
    }

    /**
     * @param docker the client of the daemon to train on
     * @param environment cd4ml's environment, whose pip settings ({@code PIP_INDEX_URL}, …) the
     *        container gets for installing {@code requirements.txt}
     */
    public DockerTrainingBackend(DockerClient docker, Map<String, String> environment) {
        this.docker = docker;
        this.pipSettings = TrainingRequirements.pipSettings(environment);
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public BackendRun run(TrainingJob job, EventSink events) {
        TrainConfig train = job.project().train();
        String image = train.image().orElseThrow(() -> Cd4mlException.badInput("the docker backend needs "
                + "train.image, the image to train in", "set train.image in config.yaml or pass --image"));
        ContainerResources resources = ContainerResources.of(train.resources());
        if (Thread.currentThread().isInterrupted()) {
            throw new OperationStoppedException("training run " + job.runId() + " before its container started");
        }
        DockerClients.requireAvailable(docker);
        TrainingImage.ensurePresent(docker, image, events);
        List<String> command = command(job.command());
        Path mountPoint = createMountPoint(job.directory());
        try {
            return runContainer(job, image, command, resources, events);
        } finally {
            deleteEmpty(mountPoint);
        }
    }

    private BackendRun runContainer(TrainingJob job, String image, List<String> command,
            ContainerResources resources, EventSink events) {
        String id = create(job, image, command, resources, events);
        String shortId = shortId(id);
        String what = "training container " + shortId + " (" + image + ": " + String.join(" ", command) + ")";
        ContainerLog log = null;
        boolean interrupted = false;
        try {
            start(id, image, command, resources);
            events.info("started container " + shortId + " from " + image + ": " + String.join(" ", command));
            log = ContainerLog.follow(docker, id, events);
            if (!awaitExit(id, job.timeout().toMillis(), what)) {
                stop(id, TIMEOUT_STOP_GRACE_SECONDS);
                log.awaitEnd(LOG_DRAIN_SECONDS);
                throw new TrainingFailedException("training exceeded train.timeout ("
                        + Durations.format(job.timeout()) + ") and was stopped", "raise train.timeout or make "
                        + "the script faster");
            }
            log.awaitEnd(LOG_DRAIN_SECONDS);
            checkOutcome(finalState(id, resources), job.directory(), resources);
            return new BackendRun(shortId, Map.of(), job.directory().logFile().toString());
        } catch (InterruptedException e) {
            interrupted = true;
            stopQuietly(id);
            throw new OperationStoppedException(what + " was removed");
        } catch (RuntimeException e) {
            if (!Thread.interrupted()) {
                throw e;
            }
            // a Docker call failed because the thread was interrupted: that is a stop, not a failure
            interrupted = true;
            stopQuietly(id);
            throw new OperationStoppedException(what + " was removed");
        } finally {
            interrupted |= Thread.interrupted(); // Docker calls fail while the flag is set
            if (log != null) {
                log.stop();
            }
            remove(id, events);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The job's command, with a leading {@code python} as {@code python3} (the only name Debian-based images have). */
    static List<String> command(List<String> command) {
        List<String> mapped = new ArrayList<>(command);
        if (!mapped.isEmpty() && mapped.get(0).equals("python")) {
            mapped.set(0, "python3");
        }
        return mapped;
    }

    private String create(TrainingJob job, String image, List<String> command, ContainerResources resources,
            EventSink events) {
        RunDirectory dir = job.directory();
        HostConfig host = resources.applyTo(HostConfig.newHostConfig()
                .withNetworkMode("host")
                .withInit(true)
                .withBinds(new Bind(dir.root().toString(), new Volume(RunDirectory.CONTAINER_ROOT), AccessMode.rw),
                        new Bind(job.project().directory().toString(), new Volume(CODE_DIR), AccessMode.ro)));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(RUN_ID_LABEL, job.runId());
        labels.put(PROJECT_LABEL, job.project().name());
        labels.put(MANAGED_BY_LABEL, "cd4ml");
        var create = docker.createContainerCmd(image)
                .withName("cd4ml-" + job.runId())
                .withEntrypoint(TrainingRequirements.entrypoint(command))
                .withWorkingDir(CODE_DIR)
                .withEnv(environment(job, resources))
                .withLabels(labels)
                .withHostConfig(host);
        owner(dir.root()).ifPresent(create::withUser);
        try {
            CreateContainerResponse created = create.exec();
            if (created.getWarnings() != null) {
                for (String warning : created.getWarnings()) {
                    events.warn("Docker: " + warning);
                }
            }
            return created.getId();
        } catch (RuntimeException e) {
            if (Thread.interrupted()) {
                removeByRunId(job.runId(), events);
                Thread.currentThread().interrupt();
                throw new OperationStoppedException("training run " + job.runId() + " while creating its container");
            }
            throw Cd4mlException.workFailed("cannot create the training container from " + image + ": "
                    + DockerErrors.message(e), null, e);
        }
    }

    private List<String> environment(TrainingJob job, ContainerResources resources) {
        Map<String, String> env = new LinkedHashMap<>(RunDirectory.environment(RunDirectory.CONTAINER_ROOT, CODE_DIR,
                job, resources.cpuCount(hostCpus()), resources.gpus()));
        env.put("CD4ML_RUN_ID", job.runId());
        env.put("HOME", "/tmp"); // the user may have no home in the image; libraries cache there
        env.putAll(pipSettings);
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private int hostCpus() {
        Integer cpus = docker.infoCmd().exec().getNCPU();
        return cpus != null && cpus > 0 ? cpus : Runtime.getRuntime().availableProcessors();
    }

    private void start(String id, String image, List<String> command, ContainerResources resources) {
        try {
            docker.startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            String reason = DockerErrors.message(e);
            if (resources.gpus() > 0 && reason.contains("could not select device driver")) {
                throw Cd4mlException.workFailed("train.resources.gpu asks for " + resources.gpus() + " GPU"
                        + (resources.gpus() == 1 ? "" : "s") + ", but the Docker daemon has no GPU runtime: "
                        + reason, "install the NVIDIA Container Toolkit on the Docker host and restart dockerd "
                        + "(nvidia-ctk runtime configure --runtime=docker), train where GPUs are (--backend "
                        + "kubernetes or sagemaker), or set train.resources.gpu: 0", e);
            }
            if (reason.contains("executable file not found") || reason.contains("no such file or directory")) {
                throw new TrainingFailedException("the training container from " + image + " could not run "
                        + String.join(" ", command) + ": " + reason, "train.image must contain Python 3 (as "
                        + "python3 on its PATH) and your training dependencies, or pip to install requirements.txt");
            }
            throw Cd4mlException.workFailed("the training container from " + image + " could not start: " + reason,
                    null, e);
        }
    }

    /** Waits for the container to exit; false if {@code timeoutMillis} passed first. */
    private boolean awaitExit(String id, long timeoutMillis, String what) throws InterruptedException {
        ResultCallback.Adapter<WaitResponse> exit = docker.waitContainerCmd(id).exec(new ResultCallback.Adapter<>());
        try {
            return exit.awaitCompletion(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            throw Cd4mlException.workFailed("lost the Docker daemon while " + what + " ran: "
                    + DockerErrors.message(e), "check that dockerd is still running", e);
        } finally {
            try {
                exit.close();
            } catch (IOException e) {
                // the wait request is abandoned either way
            }
        }
    }

    /**
     * The container's state after it exited. The daemon records an out-of-memory kill from a cgroup
     * event that can arrive just after the exit, so a SIGKILL exit (137) under a memory limit is
     * looked at again for up to a second before it is reported as a plain failure.
     */
    private InspectContainerResponse.ContainerState finalState(String id, ContainerResources resources) {
        InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(id).exec().getState();
        for (int i = 0; i < 5 && resources.memory().isPresent() && Long.valueOf(137).equals(state.getExitCodeLong())
                && !Boolean.TRUE.equals(state.getOOMKilled()); i++) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            state = docker.inspectContainerCmd(id).exec().getState();
        }
        return state;
    }

    private static void checkOutcome(InspectContainerResponse.ContainerState state, RunDirectory dir,
            ContainerResources resources) {
        Long exitCode = state.getExitCodeLong();
        long exit = exitCode == null ? -1 : exitCode;
        String failure = readFailure(dir);
        if (exit != 0 && Boolean.TRUE.equals(state.getOOMKilled())) {
            throw new TrainingFailedException("training ran out of memory and was killed (exit code " + exit + ")"
                    + resources.memory().map(m -> " at its limit of " + m + " (train.resources.memory)")
                            .orElse(" by the Docker host, with no train.resources.memory limit set")
                    + (failure != null ? ": " + failure : ""),
                    resources.memory().isPresent() ? "raise train.resources.memory, or make the script use less "
                            + "memory (smaller batches, fewer parallel workers)"
                            : "set train.resources.memory to what the script needs and the host can give");
        }
        if (exit != 0 || failure != null) {
            throw new TrainingFailedException("training failed" + (exit != 0 ? " with exit code " + exit : "")
                    + (failure != null ? ": " + failure : ""), null);
        }
    }

    private static String readFailure(RunDirectory dir) {
        try {
            return dir.failure().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stop(String id, int graceSeconds) {
        try {
            docker.stopContainerCmd(id).withTimeout(graceSeconds).exec();
        } catch (NotModifiedException | NotFoundException e) {
            // it had already stopped
        }
    }

    /** Stops after an interrupt; removal follows and forces what a failed stop left. */
    private void stopQuietly(String id) {
        try {
            stop(id, INTERRUPT_STOP_GRACE_SECONDS);
        } catch (RuntimeException e) {
            // remove(force) kills it
        }
    }

    private void remove(String id, EventSink events) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            events.warn("could not remove training container " + shortId(id) + ": " + DockerErrors.message(e)
                    + "; remove it with: docker rm -f " + shortId(id));
        }
    }

    /** Removes a container that may have been created by a create call that was interrupted. */
    private void removeByRunId(String runId, EventSink events) {
        try {
            List<Container> left = docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(RUN_ID_LABEL, runId)).exec();
            left.forEach(c -> remove(c.getId(), events));
        } catch (RuntimeException e) {
            events.warn("could not check for a container of run " + runId + ": " + DockerErrors.message(e)
                    + "; look with: docker ps -a --filter label=" + RUN_ID_LABEL + "=" + runId);
        }
    }

    /** The user and group owning {@code dir}, as {@code uid:gid}; empty where the file system has no Unix owners. */
    private static Optional<String> owner(Path dir) {
        try {
            return Optional.of(Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid"));
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Creates the run directory's {@code code/}, where the project is mounted, so that the daemon
     * does not create it (as root) inside the user's run directory.
     */
    private static Path createMountPoint(RunDirectory dir) {
        Path mountPoint = dir.root().resolve("code");
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mountPoint;
    }

    private static void deleteEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // the daemon left something there; keep it for inspection
        } catch (IOException e) {
            // only tidiness is lost
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
