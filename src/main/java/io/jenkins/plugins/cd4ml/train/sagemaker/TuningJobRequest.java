package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import software.amazon.awssdk.services.sagemaker.model.CategoricalParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ContinuousParameterRange;
import software.amazon.awssdk.services.sagemaker.model.CreateHyperParameterTuningJobRequest;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterScalingType;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobConfig;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobObjective;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobObjectiveType;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobStrategyType;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobWarmStartConfig;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobWarmStartType;
import software.amazon.awssdk.services.sagemaker.model.IntegerParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ParameterRanges;
import software.amazon.awssdk.services.sagemaker.model.ParentHyperParameterTuningJob;
import software.amazon.awssdk.services.sagemaker.model.ResourceLimits;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobEarlyStoppingType;

/**
 * Turns a project's {@code tune} section into a SageMaker {@code CreateHyperParameterTuningJob}
 * request whose training job definition is the one a single training job of the project gets
 * ({@link JobDefinition#tuningDefinition}).
 *
 * <table>
 * <caption>What maps to what</caption>
 * <tr><td>{@code tune.strategy} grid, random, bayesian, hyperband</td><td>Strategy Grid, Random, Bayesian, Hyperband</td></tr>
 * <tr><td>int / float range, {@code scale: linear|log}</td><td>IntegerParameterRange / ContinuousParameterRange, ScalingType Linear|Logarithmic</td></tr>
 * <tr><td>categorical (and, for grid, an int range's values)</td><td>CategoricalParameterRange</td></tr>
 * <tr><td>{@code tune.objective}</td><td>HyperParameterTuningJobObjective; its regex is the train.metrics entry's MetricDefinition</td></tr>
 * <tr><td>{@code max_trials}, {@code parallel_trials}</td><td>ResourceLimits (grid: no MaxNumberOfTrainingJobs, SageMaker runs every combination)</td></tr>
 * <tr><td>{@code early_stopping: auto}</td><td>TrainingJobEarlyStoppingType Auto (Off with hyperband, which stops jobs by its own rule)</td></tr>
 * <tr><td>{@code seed}</td><td>RandomSeed</td></tr>
 * <tr><td>{@code warm_start}</td><td>WarmStartConfig, IdenticalDataAndAlgorithm</td></tr>
 * </table>
 */
final class TuningJobRequest {

    /** SageMaker's rule for tuning job names: at most 32 characters. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}");
    static final int LONGEST_NAME = 32;

    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("MMddHHmmss")
            .withZone(ZoneOffset.UTC);

    private TuningJobRequest() {
    }

    /**
     * A new tuning job name for {@code project}: {@code <project, cut to 15>-<MMddHHmmss>-<4 hex>},
     * at most 32 characters as SageMaker requires (its training jobs add {@code -NNN-xxxxxxxx}).
     */
    static String newName(String project, Instant now) {
        String prefix = project.length() > 15 ? project.substring(0, 15) : project;
        prefix = prefix.replaceAll("[^a-zA-Z0-9-]", "-").replaceAll("-+$", "");
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        return (prefix.isEmpty() ? "tune" : prefix) + "-" + NAME_TIME.format(now) + "-" + suffix;
    }

    /**
     * The request for the tuning job {@code job.runId()}.
     *
     * @throws Cd4mlException if the name or a setting cannot make a SageMaker tuning job
     */
    static CreateHyperParameterTuningJobRequest of(TrainingJob job, TuneConfig tune, String region,
            Optional<ModelManifest.GitInfo> git) {
        String name = job.runId();
        if (name.length() > LONGEST_NAME || !NAME.matcher(name).matches()) {
            throw Cd4mlException.badInput("'" + name + "' cannot name a SageMaker hyperparameter tuning job",
                    "use at most 32 letters, digits and '-', starting and ending with a letter or digit");
        }
        boolean grid = tune.strategy().equals("grid");
        ResourceLimits.Builder limits = ResourceLimits.builder().maxParallelTrainingJobs(tune.parallelTrials());
        if (!grid) {
            limits.maxNumberOfTrainingJobs(tune.maxTrials());
        }
        boolean autoStop = tune.earlyStopping().equals("auto") && !tune.strategy().equals("hyperband");
        HyperParameterTuningJobConfig config = HyperParameterTuningJobConfig.builder()
                .strategy(strategy(tune.strategy()))
                .hyperParameterTuningJobObjective(HyperParameterTuningJobObjective.builder()
                        .type(tune.goal() == TuneConfig.Goal.MAXIMIZE ? HyperParameterTuningJobObjectiveType.MAXIMIZE
                                : HyperParameterTuningJobObjectiveType.MINIMIZE)
                        .metricName(tune.objectiveMetric())
                        .build())
                .resourceLimits(limits.build())
                .parameterRanges(ranges(tune.parameters(), grid))
                .trainingJobEarlyStoppingType(autoStop ? TrainingJobEarlyStoppingType.AUTO
                        : TrainingJobEarlyStoppingType.OFF)
                .randomSeed((int) Math.min(Integer.MAX_VALUE, tune.seed()))
                .build();
        CreateHyperParameterTuningJobRequest.Builder request = CreateHyperParameterTuningJobRequest.builder()
                .hyperParameterTuningJobName(name)
                .hyperParameterTuningJobConfig(config)
                .trainingJobDefinition(JobDefinition.tuningDefinition(job, region, tune.parameters().keySet()))
                .tags(JobDefinition.tags(job, git));
        if (!tune.warmStart().isEmpty()) {
            request.warmStartConfig(HyperParameterTuningJobWarmStartConfig.builder()
                    .parentHyperParameterTuningJobs(tune.warmStart().stream().map(parent -> ParentHyperParameterTuningJob
                            .builder().hyperParameterTuningJobName(parent).build()).toList())
                    .warmStartType(HyperParameterTuningJobWarmStartType.IDENTICAL_DATA_AND_ALGORITHM)
                    .build());
        }
        return request.build();
    }

    static HyperParameterTuningJobStrategyType strategy(String strategy) {
        return switch (strategy) {
            case "grid" -> HyperParameterTuningJobStrategyType.GRID;
            case "random" -> HyperParameterTuningJobStrategyType.RANDOM;
            case "hyperband" -> HyperParameterTuningJobStrategyType.HYPERBAND;
            default -> HyperParameterTuningJobStrategyType.BAYESIAN;
        };
    }

    private static ParameterRanges ranges(Map<String, TuneConfig.Parameter> parameters, boolean grid) {
        List<IntegerParameterRange> integers = new ArrayList<>();
        List<ContinuousParameterRange> floats = new ArrayList<>();
        List<CategoricalParameterRange> categories = new ArrayList<>();
        for (Map.Entry<String, TuneConfig.Parameter> entry : parameters.entrySet()) {
            String name = entry.getKey();
            TuneConfig.Parameter p = entry.getValue();
            HyperParameterScalingType scaling = p.log() ? HyperParameterScalingType.LOGARITHMIC
                    : HyperParameterScalingType.LINEAR;
            switch (p.type()) {
                case "categorical" -> categories.add(CategoricalParameterRange.builder().name(name)
                        .values(p.values()).build());
                case "int" -> {
                    long min = Math.round(p.min().orElseThrow());
                    long max = Math.round(p.max().orElseThrow());
                    if (grid) {
                        // SageMaker's grid takes categorical values only; cd4ml's grid enumerates int ranges
                        categories.add(CategoricalParameterRange.builder().name(name)
                                .values(LongStream.rangeClosed(min, max).mapToObj(Long::toString).toList()).build());
                    } else {
                        integers.add(IntegerParameterRange.builder().name(name).minValue(Long.toString(min))
                                .maxValue(Long.toString(max)).scalingType(scaling).build());
                    }
                }
                default -> floats.add(ContinuousParameterRange.builder().name(name)
                        .minValue(number(p.min().orElseThrow())).maxValue(number(p.max().orElseThrow()))
                        .scalingType(scaling).build());
            }
        }
        ParameterRanges.Builder ranges = ParameterRanges.builder();
        if (!integers.isEmpty()) {
            ranges.integerParameterRanges(integers);
        }
        if (!floats.isEmpty()) {
            ranges.continuousParameterRanges(floats);
        }
        if (!categories.isEmpty()) {
            ranges.categoricalParameterRanges(categories);
        }
        return ranges.build();
    }

    /** A bound as SageMaker reads it: plain decimal text, no exponent. */
    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
