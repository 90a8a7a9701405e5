package io.jenkins.plugins.cd4ml.operation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.cli.EmbeddedCli;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ConfigProblem;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.config.InvalidConfigException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.deploy.DeployResult;
import io.jenkins.plugins.cd4ml.deploy.Deployer;
import io.jenkins.plugins.cd4ml.deploy.HistoryResult;
import io.jenkins.plugins.cd4ml.deploy.ImageLookup;
import io.jenkins.plugins.cd4ml.deploy.ImageReference;
import io.jenkins.plugins.cd4ml.deploy.LocalDeployer;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.gate.StoredModels;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.train.Trainer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One engine operation asked for by name, with options as a Jenkinsfile writes them: what the
 * Jenkins plugin's {@code cd4ml} step runs on an agent.
 *
 * <pre>{@code
 * OperationOutcome outcome = EngineOperation.named("train")
 *         .inProject(workspace.resolve("model"))
 *         .withOptions(Map.of("backend", "docker", "hyperparameters", Map.of("max_depth", 6)))
 *         .withEnvironment(buildEnvironment)
 *         .withOutput(buildLog::println)
 *         .withCancel(token)                 // cancelled by the step's stop()
 *         .call();
 * }</pre>
 *
 * <p>{@code validate}, {@code train}, {@code buildImage}, {@code deploy}, {@code rollback} and
 * {@code history} call the engine's classes; the others ({@link Operation#asCommand()}) run the
 * CLI's own command in this JVM ({@link EmbeddedCli}). Either way the operation sees this call's
 * environment only (its credentials included: {@code CD4ML_REGISTRY_USERNAME}, {@code KUBECONFIG},
 * {@code AWS_ACCESS_KEY_ID}, …), never the process's, and stops when this call's token is
 * cancelled, so two operations in one JVM (two Jenkins builds on one agent) neither see each
 * other's credentials nor stop each other. With {@link #withId} the token can also be cancelled
 * from another call by id ({@link RunningOperations#cancel}), which is how a Jenkins abort reaches
 * the agent.
 *
 * <p>{@link #call()} never throws for a failure the engine reports on purpose: a bad option, an
 * invalid {@code config.yaml}, failed work and a stop all come back as an {@link OperationOutcome}
 * carrying the CLI's {@code --json} document and exit code, so a front end needs no engine types
 * to report them. Only bugs escape as exceptions. The operation runs in its own
 * {@link EngineContext}: this environment, these events, this cancel token, and advice in a
 * Jenkinsfile's words ({@link #PIPELINE_ADVICE}).
 */
public final class EngineOperation {

    private final String name;
    private Path project = Path.of(".");
    private String configFile;
    private Map<String, ?> options = Map.of();
    private Map<String, String> environment = Map.of();
    private Consumer<String> output = line -> { };
    private EventSink events = EventSink.NONE;
    private CancelToken cancel = new CancelToken();
    private Advice advice = PIPELINE_ADVICE;
    private String id;

    /** Advice in a Jenkinsfile's words: options as step parameters ({@code baseImage:}), operations by step name. */
    public static final Advice PIPELINE_ADVICE = new PipelineAdvice();

    private EngineOperation(String name) {
        this.name = name;
    }

    /** The operation called {@code name}: {@code validate}, {@code train}, {@code buildImage}, {@code run}, … */
    public static EngineOperation named(String name) {
        return new EngineOperation(name);
    }

    /** The model repository (the directory holding {@code config.yaml}). */
    public EngineOperation inProject(Path project) {
        this.project = project;
        return this;
    }

    /** Reads this configuration file (relative to the project) instead of {@code config.yaml}. */
    public EngineOperation withConfigFile(String configFile) {
        this.configFile = configFile;
        return this;
    }

    /** The operation's options (see {@link Operation#options()}); unknown ones are a usage error. */
    public EngineOperation withOptions(Map<String, ?> options) {
        this.options = options == null ? Map.of() : options;
        return this;
    }

    /**
     * The environment the operation sees: {@code ${VAR}} in {@code config.yaml},
     * {@code BUILD_NUMBER} in tags, credentials ({@code CD4ML_REGISTRY_USERNAME}, {@code KUBECONFIG},
     * {@code AWS_ACCESS_KEY_ID}, …). Nothing else is read from the process.
     */
    public EngineOperation withEnvironment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    /** Where progress lines go, worded as the CLI prints them to a log that is not a terminal. */
    public EngineOperation withOutput(Consumer<String> output) {
        this.output = output;
        this.events = event -> EventText.line(event).ifPresent(output);
        return this;
    }

    /** The token that stops the operation (a Jenkins step's {@code stop()} cancels it). */
    public EngineOperation withCancel(CancelToken cancel) {
        this.cancel = cancel;
        return this;
    }

    /**
     * Makes the running operation reachable under {@code id} ({@link RunningOperations#cancel(String)}
     * cancels its token) for as long as {@link #call()} runs; the id must be unique among the
     * operations running in this JVM (the Jenkins step uses a random UUID per step).
     */
    public EngineOperation withId(String id) {
        this.id = id;
        return this;
    }

    /** How errors spell options; {@link #PIPELINE_ADVICE} by default. */
    public EngineOperation withAdvice(Advice advice) {
        this.advice = advice;
        return this;
    }

    private EngineContext context() {
        return EngineContext.builder().environment(environment).events(events).cancel(cancel).advice(advice).build();
    }

    /**
     * {@code options} as plain Java data that can be saved and sent between machines: Groovy
     * strings become text, maps {@link LinkedHashMap}s, collections and arrays {@link ArrayList}s.
     */
    @SuppressWarnings("unchecked")
    public static LinkedHashMap<String, Object> plainOptions(Map<String, ?> options) {
        return options == null ? new LinkedHashMap<>() : (LinkedHashMap<String, Object>) OptionValues.plain(options);
    }

    /**
     * Like {@link #call()}, but on a worker thread of its own while the calling thread waits, so that
     * an interrupt of the caller stops the operation instead of abandoning it: the token is cancelled
     * and the wait goes on, up to {@code stopGrace}, until the engine has stopped what it started
     * and the operation returns {@code stopped}. This is how a Jenkins agent runs an operation:
     * Remoting interrupts the thread of a call the controller gave up on, or all of them when the
     * channel closes. The interrupt is consumed (not set again) so that the caller can still send
     * the outcome back.
     *
     * @throws InterruptedException if a second interrupt arrives while the operation stops, or it
     *     has not stopped within {@code stopGrace}; the operation may then have left work running
     */
    public OperationOutcome callStoppingOnInterrupt(Duration stopGrace) throws InterruptedException {
        FutureTask<OperationOutcome> work = new FutureTask<>(this::call);
        Thread worker = new Thread(work, "cd4ml " + name + (id == null ? "" : " " + id));
        worker.setDaemon(true);
        // the engine finds its resources and service providers through its own class loader (on an
        // agent, the one Remoting made for the plugin), whatever the calling thread's is
        worker.setContextClassLoader(EngineOperation.class.getClassLoader());
        worker.start();
        boolean stopping = false;
        while (true) {
            try {
                if (!stopping) {
                    return work.get();
                }
                return work.get(stopGrace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (stopping) {
                    throw e;
                }
                stopping = true;
                output.accept("stopping the " + name + " operation and what it started ...");
                cancel.cancel();
            } catch (TimeoutException e) {
                throw new InterruptedException("the " + name + " operation did not stop within "
                        + Durations.format(stopGrace) + "; check its backend for work it may have left running");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }
    }

    /**
     * Runs the operation to its end: {@code stopped} if its token is cancelled (before or while it
     * runs), after the engine has stopped what it started.
     */
    public OperationOutcome call() {
        try (CancelToken.Registration reachable = id == null ? () -> { } : RunningOperations.register(id, cancel);
                CancelToken.Registration stop = cancel.interruptOnCancel()) {
            return outcome();
        }
    }

    private OperationOutcome outcome() {
        String operationName = name;
        try {
            Operation operation = Operation.named(name);
            operationName = operation.stepName();
            cancel.throwIfCancelled("the " + operationName + " operation, before it started");
            if (operation.asCommand()) {
                return command(operation);
            }
            OptionValues values = OptionValues.of(operation, options);
            Object result = run(operation, values);
            Map<String, Object> document = plainDocument(result);
            if (result instanceof DeployResult deployed && !deployed.succeeded()) {
                return new OperationOutcome(operationName, OperationOutcome.FAILED, 1, document, deployed.error());
            }
            return new OperationOutcome(operationName, OperationOutcome.SUCCEEDED, 0, document, null);
        } catch (OperationStoppedException e) {
            e.adviseWith(advice);
            return failure(operationName, OperationOutcome.STOPPED, 1, e, List.of());
        } catch (InvalidConfigException e) {
            e.adviseWith(advice);
            return failure(operationName, OperationOutcome.FAILED, 2, e, e.problems());
        } catch (Cd4mlException e) {
            e.adviseWith(advice);
            return failure(operationName, OperationOutcome.FAILED, e.isUserError() ? 2 : 1, e, List.of());
        }
    }

    private Object run(Operation operation, OptionValues values) {
        return switch (operation) {
            case VALIDATE -> validate(loader(values).load());
            case TRAIN -> trainer(loader(values).load(), values).call();
            case BUILD_IMAGE -> buildImage(loader(values).load(), values);
            case DEPLOY -> deploy(values);
            case ROLLBACK -> deployer(plainLoader().load(), values).rollback(values.text("revision")
                    .map(r -> OptionalInt.of(integer("revision", r))).orElse(OptionalInt.empty()));
            case HISTORY -> history(plainLoader().load(), values);
            default -> throw new IllegalStateException(operation + " runs as a command");
        };
    }

    /** A loader without the training overrides ({@code image} means the deployed image to deploy operations). */
    private ConfigLoader plainLoader() {
        ConfigLoader loader = ConfigLoader.forProject(project).withEnvironment(environment);
        if (configFile != null && !configFile.isBlank()) {
            loader.withConfigFile(Path.of(configFile));
        }
        return loader;
    }

    private Deployer deployer(ProjectConfig config, OptionValues values) {
        // the operation's context: its environment, events and the cancel token that stops Helm mid-call
        Deployer deployer = Deployer.forProject(config, context()).withEnvironment(values.text("environment"))
                .withKubeContext(values.text("kubeContext")).withKubeconfig(values.text("kubeconfig"));
        values.text("timeout").ifPresent(t -> {
            try {
                deployer.withTimeout(Durations.parse(t));
            } catch (IllegalArgumentException e) {
                throw Cd4mlException.badInput("timeout " + e.getMessage(), "use e.g. 90s, 5m or 1h");
            }
        });
        return deployer;
    }

    private DeployResult deploy(OptionValues values) {
        ProjectConfig config = plainLoader().load();
        Deployer deployer = deployer(config, values);
        if (deployer.target().target().equals("local")) {
            return LocalDeployer.forProject(config, context()).withEnvironment(values.text("environment"))
                    .withImage(values.text("image")).deploy();
        }
        values.text("image").ifPresent(i -> {
            ImageLookup.Deployable deployable = ImageLookup.forDeploy(context(),
                    ImageReference.parse(i), values.text("modelVersion"));
            deployer.withImage(deployable.image(), deployable.modelVersion());
        });
        values.text("canaryWeight").ifPresent(w -> deployer.withCanaryWeight(integer("canaryWeight", w)));
        return deployer.deploy();
    }

    private HistoryResult history(ProjectConfig config, OptionValues values) {
        Optional<Instant> at = values.text("at").map(t -> {
            try {
                return Instant.parse(t);
            } catch (DateTimeParseException e) {
                throw Cd4mlException.badInput("at: '" + t + "' is not a time", "use ISO-8601 such as "
                        + "2026-11-29T10:15:00Z");
            }
        });
        EngineContext context = context();
        java.util.function.Function<String, Map<String, Double>> metrics = StoredModels.of(config,
                () -> new S3Transfers(context.clients().s3(config.train().sagemaker().region()))).metricsByVersion();
        Deployer deployer = deployer(config, values);
        return deployer.target().target().equals("local") ? LocalDeployer.forProject(config, context)
                .withEnvironment(values.text("environment")).history(at, metrics) : deployer.history(at, metrics);
    }

    private static int integer(String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw Cd4mlException.badInput(name + ": '" + text + "' is not a whole number", "e.g. " + name + ": 3");
        }
    }

    private ConfigLoader loader(OptionValues values) {
        ConfigLoader loader = ConfigLoader.forProject(project).withEnvironment(environment);
        if (configFile != null && !configFile.isBlank()) {
            loader.withConfigFile(Path.of(configFile));
        }
        values.text("backend").ifPresent(b -> loader.withBackend(backend(b)));
        values.text("image").ifPresent(loader::withTrainImage);
        return loader;
    }

    private static TrainConfig.Backend backend(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (!TrainConfig.Backend.configNames().contains(lower)) {
            throw Cd4mlException.badInput("'" + name + "' is not a backend; expected one of "
                    + String.join(", ", TrainConfig.Backend.configNames()), "set backend to one of them");
        }
        return TrainConfig.Backend.fromConfigName(lower);
    }

    private Trainer trainer(ProjectConfig config, OptionValues values) {
        Trainer trainer = Trainer.forProject(config, context()).withHyperparameters(values.textMap("hyperparameters"))
                .promoting(values.flag("promote", true));
        values.text("attach").ifPresent(trainer::attachingTo);
        return trainer;
    }

    private Object buildImage(ProjectConfig config, OptionValues values) {
        EngineContext context = context();
        ServingImage image = values.text("model").map(m -> ServingImage.forModel(config, m, context))
                .orElseGet(() -> ServingImage.forPromotedModel(config, context));
        image.withNoCache(values.flag("noCache", false));
        values.text("tarball").ifPresent(t -> image.withTarball(project.resolve(t)));
        return image(image, values).build();
    }

    private ServingImage image(ServingImage image, OptionValues values) {
        values.text("repository").ifPresent(image::withRepository);
        values.text("tag").ifPresent(image::withTag);
        values.text("builder").ifPresent(image::withBuilder);
        values.text("baseImage").ifPresent(image::withBaseImage);
        values.text("pipIndexUrl").ifPresent(image::withPipIndexUrl);
        return image.withPush(values.flag("push", false));
    }

    /** Runs the CLI's own command for {@code operation} in this JVM, with this call's environment and token. */
    private OperationOutcome command(Operation operation) {
        if (!EmbeddedCli.has(operation.cliName())) {
            throw Cd4mlException.badInput("the " + operation.stepName() + " operation is not available in this "
                    + "version of cd4ml", "use a cd4ml version that has it ('cd4ml --help' lists the commands)");
        }
        List<String> arguments = EmbeddedCli.arguments(operation.cliName(), operation.stepName(), project, configFile,
                plainOptions(options));
        ErrorText error = new ErrorText(output);
        EmbeddedCli.Run run = EmbeddedCli.run(arguments, error, environment, cancel);
        return outcome(operation.stepName(), run, error.text());
    }

    private static OperationOutcome outcome(String operation, EmbeddedCli.Run run, String errorText) {
        Map<String, Object> document = parse(run.json());
        if (document == null) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("message", errorText.isEmpty() ? "cd4ml ended with exit code " + run.exitCode() : errorText);
            document = new LinkedHashMap<>();
            document.put("status", "error");
            document.put("exit_code", run.exitCode());
            document.put("error", error);
        }
        if (run.exitCode() == 0) {
            return new OperationOutcome(operation, OperationOutcome.SUCCEEDED, 0, document, null);
        }
        boolean stopped = errorText.startsWith("stopped") || OperationOutcome.STOPPED.equals(document.get("status"));
        String message = errorText.isEmpty() ? messageOf(document, run.exitCode()) : errorText;
        return new OperationOutcome(operation, stopped ? OperationOutcome.STOPPED : OperationOutcome.FAILED,
                run.exitCode(), document, message);
    }

    private static String messageOf(Map<String, Object> document, int exitCode) {
        Object error = document.get("error");
        if (error instanceof Map<?, ?> map && map.get("message") != null) {
            return String.valueOf(map.get("message"));
        }
        if (error instanceof String text && !text.isBlank()) {
            return text;
        }
        return "cd4ml ended with exit code " + exitCode;
    }

    /** The JSON document the command printed, as plain maps and lists; null if it printed none. */
    private static Map<String, Object> parse(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            return Json.mapper().readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * Passes progress lines on, and keeps the CLI's error block ({@code error: …} and the lines
     * after it) out of the log: a front end reports it once, as the operation's failure. Advice
     * about the CLI's own help ({@code Run 'cd4ml … --help'}) is dropped.
     */
    private static final class ErrorText implements Consumer<String> {
        private final Consumer<String> output;
        private final List<String> lines = new ArrayList<>();
        private boolean inError;

        ErrorText(Consumer<String> output) {
            this.output = output;
        }

        @Override
        public synchronized void accept(String line) {
            String text = line;
            if (!inError && text.startsWith("error: ")) {
                inError = true;
                text = text.substring("error: ".length());
            }
            if (!inError) {
                output.accept(text);
            } else if (!text.startsWith("Run 'cd4ml")) {
                lines.add(text);
            }
        }

        synchronized String text() {
            return String.join("\n", lines).strip();
        }
    }

    /** The same document {@code cd4ml validate --json} prints. */
    private static Map<String, Object> validate(ProjectConfig config) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "valid");
        result.put("project", config.name());
        result.put("config", config.file().toString());
        result.put("backend", config.train().backend().configName());
        result.put("features", config.features().names());
        result.put("metrics", config.train().metrics().stream().map(TrainConfig.Metric::name).toList());
        List<String> sections = new ArrayList<>(List.of("project", "model", "train"));
        config.tune().ifPresent(t -> sections.add("tune"));
        config.qualityGate().ifPresent(g -> sections.add("quality_gate"));
        config.serve().ifPresent(s -> sections.add("serve"));
        config.deploy().ifPresent(d -> sections.add("deploy"));
        result.put("sections", sections);
        return result;
    }

    /** The error document {@code --json} prints, with the same message. */
    private static OperationOutcome failure(String operation, String status, int exitCode, Cd4mlException e,
            List<ConfigProblem> problems) {
        Map<String, Object> error = new LinkedHashMap<>();
        if (e instanceof InvalidConfigException) {
            error.put("problems", problems.stream().map(EngineOperation::problem).toList());
        } else {
            e.suggestion().ifPresent(s -> error.put("suggestion", s));
        }
        error.put("message", e.getMessage());
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("status", status.equals(OperationOutcome.STOPPED) ? OperationOutcome.STOPPED : "error");
        document.put("exit_code", exitCode);
        document.put("error", error);
        String message = e.getMessage() + e.suggestion().map(s -> "\n  what to do: " + s).orElse("");
        return new OperationOutcome(operation, status, exitCode, document, message);
    }

    private static Map<String, Object> problem(ConfigProblem p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", p.position().file().toString());
        m.put("line", p.position().line());
        m.put("column", p.position().column());
        m.put("setting", p.path());
        m.put("message", p.message());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> plainDocument(Object result) {
        return Json.mapper().convertValue(result, LinkedHashMap.class);
    }
}
