package io.jenkins.plugins.cd4ml.serve;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.WaitResponse;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.ProcessExit;
import io.jenkins.plugins.cd4ml.PythonInterpreter;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.BundledServingApp;
import io.jenkins.plugins.cd4ml.image.ModelDirectory;
import io.jenkins.plugins.cd4ml.image.ServingImageLayout;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a model on this machine until stopped: its serving image in a container (host
 * networking), or the bundled server run directly with the system Python against the extracted
 * model ({@code cd4ml serve --no-container}).
 *
 * <pre>{@code
 * LocalModelServer.inContainer(config, "registry/iris:3f2a9c1b7d4e", context).withPort(8080).run();
 * }</pre>
 *
 * <p>{@link #run()} streams the server's output as {@code LogLine} events (source
 * {@value #SOURCE}) to the context's sink, announces the URL once {@code /ready} answers, and
 * returns when the server exits by itself. When the context's token is cancelled (Ctrl-C) it
 * stops and removes the container (or ends the process) and throws
 * {@link OperationStoppedException}.
 */
public final class LocalModelServer {

    /** Source of the server's output lines. */
    public static final String SOURCE = "serve";
    private static final Duration READY_WAIT = Duration.ofMinutes(3);

    private final ProjectConfig config;
    private final DockerClient docker;
    private final String image;
    private final Optional<String> model;
    private int port = ServingImageLayout.PORT;
    private String readyNotice = "Ctrl-C stops it";
    private final EngineContext context;
    private final EventSink events;

    private LocalModelServer(ProjectConfig config, DockerClient docker, String image, Optional<String> model,
            EngineContext context) {
        this.config = config;
        this.docker = docker;
        this.image = image;
        this.model = model;
        this.context = context;
        this.events = context.events();
    }

    /** Runs {@code image} in a container with host networking, on the context's Docker daemon. */
    public static LocalModelServer inContainer(ProjectConfig config, String image, EngineContext context) {
        return new LocalModelServer(config, context.clients().docker(), image, Optional.empty(), context);
    }

    /**
     * Runs the bundled server with the context's Python ({@code CD4ML_PYTHON}, else the system's),
     * which needs the server's packages.
     *
     * @param model as for {@link io.jenkins.plugins.cd4ml.image.ServingImage#forModel}; empty for the
     *     promoted model
     */
    public static LocalModelServer inProcess(ProjectConfig config, Optional<String> model, EngineContext context) {
        return new LocalModelServer(config, null, null, model, context);
    }

    /**
     * What the "ready" line says after the URLs (default: {@code Ctrl-C stops it}); a caller that
     * stops the server itself, such as a smoke test, says so instead.
     */
    public LocalModelServer withReadyNotice(String notice) {
        this.readyNotice = notice;
        return this;
    }

    /** Listens on this port (on all interfaces of this machine). Default 8080. */
    public LocalModelServer withPort(int port) {
        this.port = port;
        return this;
    }

    /**
     * Serves until the server exits or the context's token is cancelled.
     *
     * @throws OperationStoppedException when cancelled, after stopping the server
     * @throws Cd4mlException if the server exits with an error
     */
    public void run() {
        try (CancelToken.Registration stop = context.cancel().interruptOnCancel()) {
            context.cancel().throwIfCancelled("the model server of " + config.name() + ", before it started");
            if (docker != null) {
                runContainer();
            } else {
                runProcess();
            }
        } catch (Cd4mlException e) {
            throw e.adviseWith(context.advice());
        }
    }

    private void runContainer() {
        Map<String, String> env = ServingEnvironment.of(config, port, Optional.of(image));
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        String name = "cd4ml-serve-" + config.name() + "-" + Integer.toHexString(
                ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        String id;
        try {
            id = docker.createContainerCmd(image).withName(name).withEnv(envList)
                    .withLabels(Map.of("io.cd4ml.serve", config.name()))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host")).exec().getId();
        } catch (NotFoundException e) {
            throw Cd4mlException.badInput("the Docker daemon has no image " + image, "build it (cd4ml build-image) "
                    + "or pull it first");
        }
        ResultCallback.Adapter<Frame> logs = null;
        ReadyWatcher ready = null;
        try {
            docker.startContainerCmd(id).exec();
            events.info("started container " + name + " from " + image + " with host networking on port " + port);
            logs = docker.logContainerCmd(id).withFollowStream(true).withStdOut(true).withStdErr(true)
                    .exec(new ResultCallback.Adapter<>() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override
                        public void onNext(Frame frame) {
                            lines(partial, new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    });
            ready = ReadyWatcher.start(port, readyNotice, events);
            AtomicInteger status = new AtomicInteger(Integer.MIN_VALUE);
            ResultCallback.Adapter<WaitResponse> waiting = docker.waitContainerCmd(id).exec(new ResultCallback.Adapter<>() {
                @Override
                public void onNext(WaitResponse response) {
                    status.set(response.getStatusCode() == null ? -1 : response.getStatusCode());
                }
            });
            waiting.awaitCompletion();
            logs.awaitCompletion(5, TimeUnit.SECONDS);
            if (status.get() != 0) {
                throw Cd4mlException.workFailed("the model server in " + name + " exited with status " + status.get(),
                        "see its output above", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("the model server container " + name + " (stopped and removed)");
        } finally {
            if (ready != null) {
                ready.stop();
            }
            removeContainer(id);
            closeQuietly(logs);
        }
    }

    private void removeContainer(String id) {
        boolean interrupted = Thread.interrupted(); // the daemon calls below must not be cut short
        try {
            try {
                docker.stopContainerCmd(id).withTimeout(10).exec();
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

    private void runProcess() {
        Path scratch = null;
        Process process = null;
        ReadyWatcher ready = null;
        Thread out = null;
        Thread err = null;
        try (ModelLocator models = ModelLocator.forProject(config, context)) {
            scratch = Files.createTempDirectory("cd4ml-serve-");
            Path archive = models.resolve(model, scratch);
            Path bundle = scratch.resolve("bundle");
            BundledServingApp.copyTo(bundle);
            Path modelDir = scratch.resolve("model");
            ModelDirectory.write(modelDir, archive, config, events);
            String python = PythonInterpreter.resolve(Optional.empty(), context.environment());
            ProcessBuilder builder = new ProcessBuilder(python, "-m", "cd4ml_serving").directory(scratch.toFile());
            builder.environment().putAll(ServingEnvironment.of(config, port, Optional.empty()));
            builder.environment().put("CD4ML_MODEL_DIR", modelDir.toString());
            builder.environment().put("PYTHONPATH", bundle.resolve(ServingImageLayout.CONTEXT_APP).toString());
            builder.environment().put("PYTHONUNBUFFERED", "1");
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            process = builder.start();
            events.info("started the model server (" + python + ", pid " + process.pid() + ") on port " + port
                    + " for model " + ModelArchive.readManifest(archive).version());
            out = pump(process.getInputStream(), "stdout");
            err = pump(process.getErrorStream(), "stderr");
            ready = ReadyWatcher.start(port, readyNotice, events);
            int status = process.waitFor();
            awaitOutput(out, err);
            if (status != 0) {
                throw Cd4mlException.workFailed("the model server exited with status " + status,
                        "see its output above", null);
            }
        } catch (IOException e) {
            throw Cd4mlException.workFailed("could not start the model server: " + e.getMessage(),
                    "check that the Python in CD4ML_PYTHON (default /usr/bin/python3) exists", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("the model server process" + (process == null ? ""
                    : " " + process.pid()));
        } finally {
            if (ready != null) {
                ready.stop();
            }
            if (process != null) {
                stop(process);
                // what the server wrote while it drained (its last prediction records, its shutdown)
                awaitOutput(out, err);
            }
            TemporaryDirectory.deleteQuietly(scratch);
        }
    }

    /**
     * Stops the server and every process it started (worker processes hold the listening socket
     * too), and waits until they are gone, even on a stopping thread: whoever returns after this
     * may say "stopped", and the port is free.
     */
    private static void stop(Process process) {
        boolean interrupted = Thread.interrupted(); // a stop must not be cut short by the stop that asked for it
        List<ProcessHandle> children = process.descendants().toList();
        // SIGTERM: the server drains, stops its workers and flushes its logs. Through the handle:
        // Process.destroy() also closes the pipes, which loses what the server writes while it
        // drains (its last prediction records, its shutdown lines)
        ProcessHandle server = process.toHandle();
        server.destroy();
        // a cancel interrupts once per registration (the CLI's and the operation's), so a further
        // interrupt here is the same stop again: it must not turn the drain into a SIGKILL
        interrupted |= ProcessExit.await(server, TimeUnit.SECONDS.toNanos(30));
        if (server.isAlive()) {
            server.destroyForcibly();
            interrupted |= ProcessExit.await(server, TimeUnit.SECONDS.toNanos(10));
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
                interrupted |= ProcessExit.await(child, TimeUnit.SECONDS.toNanos(10));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets the output pumps deliver what the ended process wrote, up to 5 s each, through interrupts. */
    private static void awaitOutput(Thread... pumps) {
        boolean interrupted = Thread.interrupted();
        for (Thread pump : pumps) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (pump != null && pump.isAlive() && System.nanoTime() < deadline) {
                try {
                    pump.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Thread pump(InputStream stream, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    events.accept(new Event.LogLine(SOURCE, line));
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "cd4ml-serve-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void lines(StringBuilder partial, String text) {
        synchronized (partial) {
            partial.append(text);
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                events.accept(new Event.LogLine(SOURCE, partial.substring(0, nl)));
                partial.delete(0, nl + 1);
            }
        }
    }

    private static void closeQuietly(ResultCallback.Adapter<?> callback) {
        if (callback != null) {
            try {
                callback.close();
            } catch (IOException e) {
                // closing a finished stream
            }
        }
    }

    /** Polls {@code /ready} in the background and says once when the server answers. */
    private static final class ReadyWatcher {
        private final Thread thread;

        private ReadyWatcher(Thread thread) {
            this.thread = thread;
        }

        static ReadyWatcher start(int port, String notice, EventSink events) {
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(1)).build();
                URI uri = URI.create("http://127.0.0.1:" + port + "/ready");
                long deadline = System.nanoTime() + READY_WAIT.toNanos();
                while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
                                .build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                            events.info("ready: http://127.0.0.1:" + port + "/predict (API docs: http://127.0.0.1:"
                                    + port + "/docs); " + notice);
                            return;
                        }
                    } catch (IOException e) {
                        // not listening yet
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "cd4ml-serve-ready");
            t.setDaemon(true);
            t.start();
            return new ReadyWatcher(t);
        }

        void stop() {
            thread.interrupt();
        }
    }
}
