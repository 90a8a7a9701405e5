package io.jenkins.plugins.cd4ml.operation;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ConfigProblem;
import io.jenkins.plugins.cd4ml.config.InvalidConfigException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.run.MainJob;
import io.jenkins.plugins.cd4ml.run.RunResult;
import io.jenkins.plugins.cd4ml.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One engine operation asked for by name, with options as a Jenkinsfile writes them: what the
 * Jenkins plugin's {@code cd4ml} step runs on an agent.
 *
 * <pre>{@code
 * OperationOutcome outcome = EngineOperation.named("train")
 *         .inProject(workspace.resolve("model"))
 *         .withOptions(Map.of("backend", "docker", "hyperparameters", Map.of("max_depth", 6)))
 *         .withEnvironment(buildEnvironment)
 *         .withEvents(buildLog)
 *         .call();
 * }</pre>
 *
 * <p>{@link #call()} never throws for a failure the engine reports on purpose: a bad option, an
 * invalid {@code config.yaml}, failed work and a stop all come back as an {@link OperationOutcome}
 * carrying the CLI's {@code --json} document and exit code, so a front end needs no engine types
 * to report them. Only bugs escape as exceptions.
 */
public final class EngineOperation {

    private final String name;
    private Path project = Path.of(".");
    private String configFile;
    private Map<String, ?> options = Map.of();
    private Map<String, String> environment = Map.of();
    private EventSink events = EventSink.NONE;

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

    /** Where progress and logs go. */
    public EngineOperation withEvents(EventSink events) {
        this.events = events;
        return this;
    }

    /**
     * {@code options} as plain Java data that can be saved and sent between machines: Groovy
     * strings become text, maps {@link LinkedHashMap}s, collections and arrays {@link ArrayList}s.
     */
    @SuppressWarnings("unchecked")
    public static LinkedHashMap<String, Object> plainOptions(Map<String, ?> options) {
        return options == null ? new LinkedHashMap<>() : (LinkedHashMap<String, Object>) OptionValues.plain(options);
    }

    /** Runs the operation to its end. */
    public OperationOutcome call() {
        String operationName = name;
        try {
            Operation operation = Operation.named(name);
            operationName = operation.stepName();
            OptionValues values = OptionValues.of(operation, options);
            Object result = run(operation, values);
            Map<String, Object> document = plainDocument(result);
            if (result instanceof RunResult run && !run.succeeded()) {
                return new OperationOutcome(operationName, OperationOutcome.FAILED, 1, document,
                        run.error().orElse("a stage failed"));
            }
            return new OperationOutcome(operationName, OperationOutcome.SUCCEEDED, 0, document, null);
        } catch (OperationStoppedException e) {
            return failure(operationName, OperationOutcome.STOPPED, 1, e, List.of());
        } catch (InvalidConfigException e) {
            return failure(operationName, OperationOutcome.FAILED, 2, e, e.problems());
        } catch (Cd4mlException e) {
            return failure(operationName, OperationOutcome.FAILED, e.isUserError() ? 2 : 1, e, List.of());
        }
    }

    private Object run(Operation operation, OptionValues values) {
        return switch (operation) {
            case VALIDATE -> validate(loader(values).load());
            case TRAIN -> trainer(loader(values).load(), values).call();
            case BUILD_IMAGE -> buildImage(loader(values).load(), values);
            case RUN -> mainJob(loader(values).load(), values);
            case TUNE, GATE, DEPLOY, ROLLBACK, HISTORY -> throw Cd4mlException.badInput("the " + operation.stepName()
                    + " operation is not available in this version of cd4ml",
                    "use a cd4ml version that has it (cd4ml --help lists the commands of this one)");
        };
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
        Trainer trainer = Trainer.forProject(config).withEnvironment(environment).withEvents(events)
                .withHyperparameters(values.textMap("hyperparameters"));
        values.text("attach").ifPresent(trainer::attachingTo);
        return trainer;
    }

    private Object buildImage(ProjectConfig config, OptionValues values) {
        ServingImage image = values.text("model").map(m -> ServingImage.forModel(config, m))
                .orElseGet(() -> ServingImage.forLatestModel(config));
        image.withNoCache(values.flag("noCache", false));
        values.text("tarball").ifPresent(t -> image.withTarball(project.resolve(t)));
        return image(image, values).withEvents(events).build();
    }

    private ServingImage image(ServingImage image, OptionValues values) {
        values.text("repository").ifPresent(image::withRepository);
        values.text("tag").ifPresent(image::withTag);
        values.text("builder").ifPresent(image::withBuilder);
        values.text("baseImage").ifPresent(image::withBaseImage);
        values.text("pipIndexUrl").ifPresent(image::withPipIndexUrl);
        return image.withPush(values.flag("push", false)).withEnvironment(environment);
    }

    private RunResult mainJob(ProjectConfig config, OptionValues values) {
        boolean push = values.flag("push", false);
        return MainJob.forProject(config).withEvents(events)
                .withTrainer(t -> {
                    Trainer trainer = t.withEnvironment(environment).withHyperparameters(values.textMap("hyperparameters"));
                    values.text("attach").ifPresent(trainer::attachingTo);
                    return trainer;
                })
                .withImageBuild(values.flag("buildImage", false) || push)
                .withImage(i -> image(i, values))
                .call();
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
