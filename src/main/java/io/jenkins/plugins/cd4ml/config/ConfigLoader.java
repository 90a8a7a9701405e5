package io.jenkins.plugins.cd4ml.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and validates a project's {@code config.yaml} and the files it names.
 *
 * <pre>{@code
 * ProjectConfig config = ConfigLoader.forProject(Path.of("examples/iris")).load();
 * }</pre>
 *
 * <p>Every problem is collected before failing, so one run of {@code cd4ml validate} shows them
 * all, each with file, line and column.
 */
public final class ConfigLoader {

    /** The configuration format this engine reads. */
    public static final int VERSION = 1;
    static final List<String> ROOT_KEYS = List.of("version", "project", "model", "train", "tune", "quality_gate",
            "serve", "deploy");

    private final Path directory;
    private Path configFile;
    private Map<String, String> environment = Map.of();
    private TrainConfig.Backend backendOverride;
    private String imageOverride;

    private ConfigLoader(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
        this.configFile = this.directory.resolve("config.yaml");
    }

    /** A loader for the project in {@code directory}, reading {@code directory/config.yaml}. */
    public static ConfigLoader forProject(Path directory) {
        return new ConfigLoader(directory);
    }

    /** Reads another configuration file instead of {@code config.yaml} (relative to the project). */
    public ConfigLoader withConfigFile(Path file) {
        this.configFile = directory.resolve(file).normalize();
        return this;
    }

    /**
     * The variables {@code ${VAR}} references expand to: the operation's environment, which the
     * front end hands in (none by default; the engine never reads the JVM's).
     */
    public ConfigLoader withEnvironment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    /** Trains on this backend instead of {@code train.backend}; its rules are checked too. */
    public ConfigLoader withBackend(TrainConfig.Backend backend) {
        this.backendOverride = backend;
        return this;
    }

    /** Trains with this image instead of {@code train.image}. */
    public ConfigLoader withTrainImage(String image) {
        this.imageOverride = image;
        return this;
    }

    /**
     * Reads and validates everything.
     *
     * @throws InvalidConfigException listing every problem found
     */
    public ProjectConfig load() {
        Interpolation interpolation = new Interpolation(environment);
        YamlFile file = YamlFile.open(configFile, interpolation);
        Optional<YamlMap> root = file.rootMap(ROOT_KEYS);
        if (root.isEmpty()) {
            throw new InvalidConfigException(file.problems());
        }
        YamlMap map = root.get();
        checkVersion(map);
        String name = null;
        String schedule = null;
        YamlMap project = map.map("project", List.of("name", "schedule"));
        if (project == null && !map.has("project")) {
            map.missing("project", "add 'project: {name: my-model}'");
        } else if (project != null) {
            name = project.requiredString("name", Patterns.DNS_LABEL_RULE);
            if (name != null && name.length() > 63) {
                project.problem("name", "'" + name + "' is " + name.length() + " characters; "
                        + Patterns.DNS_LABEL_RULE);
                name = null;
            } else if (name != null && !Patterns.DNS_LABEL.matcher(name).matches()) {
                project.problem("name", "'" + name + "' is not a valid project name; " + Patterns.DNS_LABEL_RULE);
                name = null;
            }
            schedule = CronSpec.check(project, "schedule");
        }
        ModelReader.Section modelSection = ModelReader.read(map, directory);
        ModelConfig model = modelSection.model();
        TrainConfig train = TrainReader.read(map, backendOverride, imageOverride);
        TuneConfig tune = TuneGateReader.tune(map);
        GateConfig gate = TuneGateReader.gate(map);
        ServeConfig serve = ServeReader.read(map);
        DeployConfig deploy = DeployReader.read(map, name == null ? "model" : name);

        Features features = null;
        List<ConfigProblem> featureProblems = List.of();
        Path featuresPath = modelSection.features();
        if (featuresPath != null && Files.isRegularFile(featuresPath)) {
            YamlFile featuresFile = YamlFile.open(featuresPath, Interpolation.NONE);
            features = FeaturesReader.read(featuresFile);
            featureProblems = featuresFile.problems();
        }
        ProjectChecks.check(file, directory, featuresPath, model, train, tune, gate, features, deploy,
                map.has("deploy"));
        List<ConfigProblem> problems = new ArrayList<>(file.problems());
        problems.addAll(featureProblems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        if (name == null || model == null || train == null || features == null) {
            throw new IllegalStateException("a required section was not read but no problem was recorded");
        }
        SourceMap sources = new SourceMap(file.positions(), Position.startOf(configFile));
        return new ProjectConfig(directory, configFile, name, Optional.ofNullable(schedule), model,
                train, Optional.ofNullable(tune), Optional.ofNullable(gate), Optional.ofNullable(serve),
                Optional.ofNullable(deploy), features, sources);
    }

    private static void checkVersion(YamlMap map) {
        if (!map.has("version")) {
            map.missing("version", "add 'version: 1' as the first line");
            return;
        }
        String text = map.string("version");
        if (text != null && !text.equals(String.valueOf(VERSION))) {
            map.problem("version", "version " + text + " is not supported; this cd4ml reads version " + VERSION);
        }
    }
}
