package io.jenkins.plugins.cd4ml.config;

import io.jenkins.plugins.cd4ml.config.TrainConfig.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Rules that span settings or reach outside the file: named files exist, the backend gets the
 * kind of data it can read, the tuning objective is a metric training reports.
 */
final class ProjectChecks {

    /** SageMaker's limit on the hyperparameter ranges of one tuning job, and on a categorical's values. */
    private static final int SAGEMAKER_MOST_RANGES = 30;
    private static final int SAGEMAKER_MOST_VALUES = 30;
    private static final Pattern TUNING_JOB_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}");

    private final YamlFile file;
    private final Path directory;
    private final SourceMap sources;

    private ProjectChecks(YamlFile file, Path directory) {
        this.file = file;
        this.directory = directory;
        this.sources = new SourceMap(file.positions(), Position.startOf(file.path()));
    }

    /** Records every cross-field problem in {@code file}; sections that failed to read are null. */
    static void check(YamlFile file, Path directory, Path featuresFile, ModelConfig model, TrainConfig train,
            TuneConfig tune, GateConfig gate, Features features, DeployConfig deploy, boolean hasDeploy) {
        ProjectChecks checks = new ProjectChecks(file, directory);
        if (gate != null) {
            checks.compareTo(gate, deploy, hasDeploy);
        }
        if (featuresFile != null) {
            checks.featuresFile(featuresFile);
        }
        if (model != null) {
            checks.model(model, features);
        }
        if (train != null) {
            checks.train(train);
            if (tune != null) {
                checks.tune(tune, train);
            }
            if (gate != null) {
                checks.gate(gate, train);
            }
        }
    }

    private void problem(String path, String message) {
        file.problem(sources.of(path), path, message);
    }

    private void keyProblem(String path, String message) {
        Position key = file.keyPosition(path);
        file.problem(key != null ? key : sources.of(path), path, message);
    }

    private void featuresFile(Path features) {
        if (!Files.isRegularFile(features)) {
            problem("model.features", "file " + directory.relativize(features) + " does not exist in "
                    + directory + "; create it (the request schema of the served model) or point model.features "
                    + "at it");
        }
    }

    private void model(ModelConfig model, Features features) {
        if (features != null && features.names().contains(model.target())) {
            problem("model.target", "'" + model.target() + "' is the predicted column, so it must not also be a "
                    + "feature in " + features.file().getFileName());
        }
    }

    private void train(TrainConfig train) {
        Backend backend = train.backend();
        train.entrypoint().ifPresent(entrypoint -> {
            if (!Files.isRegularFile(directory.resolve(entrypoint))) {
                problem("train.entrypoint", "file " + entrypoint + " does not exist in " + directory
                        + "; create it or set train.entrypoint to your training script");
            }
        });
        if (backend != Backend.LOCAL && train.image().isEmpty()) {
            problem("train.backend", "the " + backend.configName() + " backend needs train.image, the training "
                    + "container image" + (backend == Backend.SAGEMAKER ? " (in ECR)" : ""));
        }
        for (Map.Entry<String, String> channel : train.channels().entrySet()) {
            channel(backend, channel.getKey(), channel.getValue());
        }
        if (backend.isRemote() && !Patterns.isS3(train.output())) {
            problem("train.output", "the " + backend.configName() + " backend stores models remotely; set "
                    + "train.output to s3://bucket/prefix (found '" + train.output() + "')");
        }
        if (!backend.isRemote() && Patterns.hasScheme(train.output()) && !Patterns.isS3(train.output())) {
            problem("train.output", "'" + train.output() + "' is not supported; use a project path or "
                    + "s3://bucket/prefix");
        }
        backend.longestTimeout().ifPresent(longest -> {
            if (train.timeout().compareTo(longest) > 0) {
                problem("train.timeout", Durations.format(train.timeout()) + " is longer than the "
                        + backend.configName() + " backend allows; use at most " + Durations.format(longest)
                        + (backend == Backend.KUBERNETES ? " (the pod reads and writes S3 through presigned URLs, "
                                + "valid for at most 7 days)" : " (SageMaker's limit; save checkpoints and "
                                + "train in shorter runs)"));
            }
        });
        if (backend == Backend.SAGEMAKER) {
            sagemaker(train);
        }
    }

    private void channel(Backend backend, String name, String uri) {
        String path = "train.channels." + name;
        if (Patterns.hasScheme(uri)) {
            if (backend == Backend.SAGEMAKER && !Patterns.isS3(uri)) {
                problem(path, "SageMaker reads channels from S3 only; upload '" + uri + "' and use s3://bucket/key");
            }
            return;
        }
        if (backend.isRemote()) {
            problem(path, "'" + uri + "' is a project path, which the " + backend.configName() + " backend "
                    + "cannot read; upload it and use s3://bucket/key" + (backend == Backend.KUBERNETES
                            ? " or an http(s):// URL" : ""));
            return;
        }
        Path resolved = directory.resolve(uri).normalize();
        if (!resolved.startsWith(directory)) {
            problem(path, "'" + uri + "' is outside the project directory; channels must be inside it so every "
                    + "backend sees the same data");
        } else if (!Files.exists(resolved)) {
            problem(path, "'" + uri + "' does not exist in " + directory + "; give a file or directory inside "
                    + "the project, or an s3:// or http(s):// URI");
        }
    }

    private void sagemaker(TrainConfig train) {
        TrainConfig.SageMaker s = train.sagemaker();
        if (s.roleArn().isEmpty() && sources.find("train.sagemaker.role_arn").isEmpty()) {
            problem("train.sagemaker", "the sagemaker backend needs train.sagemaker.role_arn, the IAM role "
                    + "SageMaker assumes (arn:aws:iam::<account>:role/<name>)");
        }
        if (s.maxWait().isPresent() && !s.spot()) {
            problem("train.sagemaker.max_wait", "max_wait only applies to managed spot training; add spot: true "
                    + "or remove max_wait");
        }
        Duration longest = Backend.SAGEMAKER.longestTimeout().orElseThrow();
        if (s.maxWait().isPresent() && s.maxWait().get().compareTo(longest) > 0) {
            problem("train.sagemaker.max_wait", Durations.format(s.maxWait().get()) + " is longer than SageMaker "
                    + "allows; use at most " + Durations.format(longest));
        } else if (s.spot() && s.maxWait().isPresent() && s.maxWait().get().compareTo(train.timeout()) < 0) {
            problem("train.sagemaker.max_wait", "max_wait (" + Durations.format(s.maxWait().get())
                    + ") must be at least train.timeout (" + Durations.format(train.timeout()) + ")");
        }
    }

    private void tune(TuneConfig tune, TrainConfig train) {
        List<String> metrics = train.metrics().stream().map(TrainConfig.Metric::name).toList();
        String objective = tune.objectiveMetric();
        if (objective != null && !metrics.contains(objective)) {
            String near = YamlMap.closest(objective, metrics);
            problem("tune.objective.metric", "metric '" + objective + "' is not defined in train.metrics"
                    + (near != null ? " (did you mean '" + near + "'?)" : "") + "; "
                    + (metrics.isEmpty() ? "add it to train.metrics with the regex that reads it from the log"
                            : "defined: " + String.join(", ", metrics)));
        }
        sagemakerTuning(tune, train);
    }

    /**
     * What SageMaker's own tuning jobs refuse, checked before anything is created: it runs when
     * {@code train.backend} is sagemaker and {@code tune.native} is not false.
     */
    private void sagemakerTuning(TuneConfig tune, TrainConfig train) {
        boolean sagemakerNative = train.backend() == Backend.SAGEMAKER && tune.nativeTuning();
        // on other backends warm_start is ignored, so that --backend local can try a sagemaker project
        if (!tune.warmStart().isEmpty() && train.backend() == Backend.SAGEMAKER && !tune.nativeTuning()) {
            problem("tune.warm_start", "warm_start names earlier SageMaker tuning jobs to start from, which only "
                    + "SageMaker's own tuning does, and tune.native is false; remove warm_start or tune.native");
        }
        if (!sagemakerNative) {
            return;
        }
        String optOut = "or set tune.native: false to search in cd4ml with SageMaker training jobs as trials";
        if (tune.parameters().size() > SAGEMAKER_MOST_RANGES) {
            problem("tune.parameters", "SageMaker tunes at most " + SAGEMAKER_MOST_RANGES + " hyperparameters in "
                    + "one tuning job; found " + tune.parameters().size() + ": tune fewer, " + optOut);
        }
        long combinations = 1;
        for (Map.Entry<String, TuneConfig.Parameter> entry : tune.parameters().entrySet()) {
            String path = "tune.parameters." + entry.getKey();
            TuneConfig.Parameter p = entry.getValue();
            long values;
            if (p.type().equals("categorical")) {
                values = p.values().size();
                if (values > SAGEMAKER_MOST_VALUES) {
                    problem(path + ".values", "SageMaker takes at most " + SAGEMAKER_MOST_VALUES + " values for a "
                            + "categorical hyperparameter; found " + values + ": list fewer, " + optOut);
                }
            } else if (p.type().equals("int") && p.min().isPresent() && p.max().isPresent()) {
                values = (long) (p.max().get() - p.min().get()) + 1;
                if (tune.strategy().equals("grid") && values > SAGEMAKER_MOST_VALUES) {
                    problem(path, "SageMaker's grid search takes categorical values only, at most "
                            + SAGEMAKER_MOST_VALUES + " per hyperparameter; cd4ml passes an int range as its values, "
                            + "but this one has " + values + ": narrow it, use another strategy, " + optOut);
                }
            } else {
                values = Long.MAX_VALUE;
            }
            combinations = values == Long.MAX_VALUE || combinations > Integer.MAX_VALUE ? Long.MAX_VALUE
                    : combinations * values;
        }
        if (tune.strategy().equals("grid") && combinations != Long.MAX_VALUE && combinations > tune.maxTrials()) {
            problem("tune.max_trials", "SageMaker's grid search runs every combination of the values (" + combinations
                    + " here) and cannot stop after max_trials (" + tune.maxTrials() + "): set max_trials to "
                    + combinations + ", list fewer values, " + optOut);
        }
        for (String parent : tune.warmStart()) {
            if (parent.length() > 32 || !TUNING_JOB_NAME.matcher(parent).matches()) {
                problem("tune.warm_start", "'" + parent + "' cannot be a SageMaker tuning job name (1 to 32 letters, "
                        + "digits and '-', starting and ending with a letter or digit); give the names as "
                        + "'aws sagemaker list-hyper-parameter-tuning-jobs' shows them");
            }
        }
    }

    private void gate(GateConfig gate, TrainConfig train) {
        List<String> metrics = train.metrics().stream().map(TrainConfig.Metric::name).toList();
        for (String name : gate.metrics().keySet()) {
            String near = YamlMap.closest(name, metrics);
            if (!metrics.contains(name) && near != null) {
                keyProblem("quality_gate.metrics." + name, "metric '" + name + "' is not defined in train.metrics; "
                        + "did you mean '" + near + "'?");
            }
        }
    }

    /** {@code compare_to: deployed[:ENV]} needs a deploy section, and ENV one of its environments. */
    private void compareTo(GateConfig gate, DeployConfig deploy, boolean hasDeploy) {
        String compareTo = gate.compareTo().orElse("previous");
        if (!compareTo.startsWith("deployed")) {
            return;
        }
        if (!hasDeploy) {
            problem("quality_gate.compare_to", "compare_to: " + compareTo + " compares with the model the deploy "
                    + "section deployed, but there is no deploy section; add one (e.g. deploy: {target: local}) or "
                    + "use compare_to: previous");
            return;
        }
        int colon = compareTo.indexOf(':');
        if (deploy != null && colon > 0 && !deploy.environments().containsKey(compareTo.substring(colon + 1))) {
            String env = compareTo.substring(colon + 1);
            problem("quality_gate.compare_to", "environment '" + env + "' is not in deploy.environments; "
                    + (deploy.environments().isEmpty() ? "add it there, or use compare_to: deployed"
                            : "use one of: " + String.join(", ", deploy.environments().keySet())));
        }
    }
}
