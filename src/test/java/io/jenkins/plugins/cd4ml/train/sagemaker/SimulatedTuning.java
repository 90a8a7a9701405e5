package io.jenkins.plugins.cd4ml.train.sagemaker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * SageMaker's hyperparameter tuning jobs, simulated behind the WireMock server of
 * {@link SimulatedSageMaker}: {@code CreateHyperParameterTuningJob},
 * {@code DescribeHyperParameterTuningJob}, {@code ListTrainingJobsForHyperParameterTuningJob} and
 * {@code StopHyperParameterTuningJob}, plus {@code DescribeTrainingJob} and the CloudWatch log of
 * the training jobs they launch.
 *
 * <p>Nothing is scripted: the tuning job checks the request as SageMaker does (the refusals
 * cd4ml must prevent), then runs its training jobs for real, at most MaxParallelTrainingJobs at a
 * time, the way SageMaker's framework containers do: it downloads {@code sagemaker_submit_directory}
 * and the S3 channels from the (s3proxy) buckets, writes {@code hyperparameters.json}, runs
 * {@code sagemaker_program} with {@code /usr/bin/python3} and the toolkit's environment, reads the
 * metrics from the output with the MetricDefinitions regexes (the last match is the final value),
 * and uploads {@code model.tar.gz} and {@code output.tar.gz} under the OutputDataConfig path. Grid
 * runs every combination of the categorical values; the other strategies draw values at random
 * from the ranges with RandomSeed (the simulator does not model SageMaker's optimisers). With
 * TrainingJobEarlyStoppingType Auto it stops a job by SageMaker's documented median rule (worse
 * after an epoch than the median of the completed jobs' running averages at that epoch).
 */
final class SimulatedTuning implements ResponseDefinitionTransformerV2 {

    static final String NAME = "simulated-sagemaker-tuning";
    static final String PYTHON = "/usr/bin/python3";
    static final String ARN = "arn:aws:sagemaker:eu-west-1:123456789012:";
    private static final Pattern TUNING_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Tuning> tunings = new ConcurrentHashMap<>();
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Object changes = new Object();
    private long version;
    private volatile S3Client s3;
    private volatile Path work;

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    /** Where the training jobs read and write S3, and where their containers' files go. */
    void use(S3Client s3, Path work) {
        this.s3 = s3;
        this.work = work;
    }

    /** The tuning job's status, for assertions. */
    String status(String tuningJob) {
        return tunings.get(tuningJob).status;
    }

    /** SageMaker's reason for a failed tuning job. */
    String failureReason(String tuningJob) {
        return tunings.get(tuningJob).failureReason;
    }

    /** The training jobs a tuning job launched, in order. */
    List<Job> jobsOf(String tuningJob) {
        return List.copyOf(tunings.get(tuningJob).jobs);
    }

    /**
     * Waits until something changed since {@code seen} (a job appeared or ended, the tuning job
     * ended), at most 60 s; returns the new version. A poller's simulated sleep.
     */
    long awaitChange(long seen) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (changes) {
            while (version == seen && System.nanoTime() < deadline) {
                changes.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            return version;
        }
    }

    long version() {
        synchronized (changes) {
            return version;
        }
    }

    private void changed() {
        synchronized (changes) {
            version++;
            changes.notifyAll();
        }
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        String target = event.getRequest().getHeader("X-Amz-Target");
        JsonNode body;
        try {
            body = JSON.readTree(event.getRequest().getBodyAsString());
        } catch (JsonProcessingException e) {
            return error(400, "SerializationException", e.getMessage());
        }
        return switch (target) {
            case "SageMaker.CreateHyperParameterTuningJob" -> create(body);
            case "SageMaker.DescribeHyperParameterTuningJob" -> describeTuning(body);
            case "SageMaker.ListTrainingJobsForHyperParameterTuningJob" -> list(body);
            case "SageMaker.StopHyperParameterTuningJob" -> stop(body);
            case "SageMaker.DescribeTrainingJob" -> describeJob(body);
            case "Logs_20140328.DescribeLogStreams" -> logStreams(body);
            case "Logs_20140328.GetLogEvents" -> logEvents(body);
            default -> error(400, "UnknownOperationException", target);
        };
    }

    // --- the API ---------------------------------------------------------------------------------

    private ResponseDefinition create(JsonNode request) {
        String name = request.path("HyperParameterTuningJobName").asText();
        if (name.length() > 32 || !TUNING_NAME.matcher(name).matches()) {
            return validation("1 validation error detected: Value '" + name + "' at 'hyperParameterTuningJobName' "
                    + "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}");
        }
        if (tunings.containsKey(name)) {
            return error(400, "ResourceInUse", "Hyperparameter tuning job with name " + name + " already exists");
        }
        JsonNode config = request.path("HyperParameterTuningJobConfig");
        JsonNode definition = request.path("TrainingJobDefinition");
        String strategy = config.path("Strategy").asText();
        JsonNode ranges = config.path("ParameterRanges");
        if (strategy.equals("Grid")) {
            if (config.path("ResourceLimits").has("MaxNumberOfTrainingJobs")) {
                return validation("MaxNumberOfTrainingJobs must not be specified for the Grid search strategy");
            }
            if (ranges.has("IntegerParameterRanges") || ranges.has("ContinuousParameterRanges")) {
                return validation("The Grid search strategy supports only categorical parameter ranges");
            }
        } else if (!config.path("ResourceLimits").has("MaxNumberOfTrainingJobs")) {
            return validation("MaxNumberOfTrainingJobs is required for the " + strategy + " search strategy");
        }
        if (strategy.equals("Hyperband") && config.path("TrainingJobEarlyStoppingType").asText().equals("Auto")) {
            return validation("TrainingJobEarlyStoppingType must be Off for the Hyperband strategy");
        }
        String objective = config.path("HyperParameterTuningJobObjective").path("MetricName").asText();
        boolean defined = false;
        for (JsonNode metric : definition.path("AlgorithmSpecification").path("MetricDefinitions")) {
            defined |= metric.path("Name").asText().equals(objective);
        }
        if (!defined) {
            return validation("The objective metric " + objective + " is not defined in MetricDefinitions");
        }
        for (String tuned : rangeNames(ranges)) {
            if (definition.path("StaticHyperParameters").has(tuned)) {
                return validation("Hyperparameter " + tuned + " is both static and tunable");
            }
        }
        for (JsonNode parent : request.path("WarmStartConfig").path("ParentHyperParameterTuningJobs")) {
            String parentName = parent.path("HyperParameterTuningJobName").asText();
            if (!tunings.containsKey(parentName)) {
                return error(400, "ResourceNotFound", "Amazon SageMaker can't find a tuning job with name "
                        + parentName);
            }
        }
        Tuning tuning = new Tuning(name, request);
        tunings.put(name, tuning);
        Thread controller = new Thread(tuning::control, "simulated-tuning-" + name);
        controller.setDaemon(true);
        controller.start();
        return ok(JSON.createObjectNode().put("HyperParameterTuningJobArn", ARN + "hyper-parameter-tuning-job/"
                + name.toLowerCase(Locale.ROOT)));
    }

    private ResponseDefinition describeTuning(JsonNode request) {
        Tuning tuning = tunings.get(request.path("HyperParameterTuningJobName").asText());
        if (tuning == null) {
            return error(400, "ResourceNotFound", "Amazon SageMaker can't find a tuning job with name "
                    + request.path("HyperParameterTuningJobName").asText());
        }
        return ok(tuning.describe());
    }

    private ResponseDefinition list(JsonNode request) {
        Tuning tuning = tunings.get(request.path("HyperParameterTuningJobName").asText());
        if (tuning == null) {
            return error(400, "ResourceNotFound", "Amazon SageMaker can't find a tuning job with name "
                    + request.path("HyperParameterTuningJobName").asText());
        }
        int size = request.path("MaxResults").asInt(10);
        int from = request.has("NextToken") ? Integer.parseInt(request.path("NextToken").asText()) : 0;
        List<Job> all = List.copyOf(tuning.jobs);
        if (request.path("SortOrder").asText().equals("Descending")) {
            all = new ArrayList<>(all);
            java.util.Collections.reverse(all);
        }
        ObjectNode page = JSON.createObjectNode();
        ArrayNode summaries = page.putArray("TrainingJobSummaries");
        for (int i = from; i < Math.min(all.size(), from + size); i++) {
            summaries.add(all.get(i).summary());
        }
        if (from + size < all.size()) {
            page.put("NextToken", Integer.toString(from + size));
        }
        return ok(page);
    }

    private ResponseDefinition stop(JsonNode request) {
        String name = request.path("HyperParameterTuningJobName").asText();
        Tuning tuning = tunings.get(name);
        if (tuning == null) {
            return error(400, "ResourceNotFound", "Amazon SageMaker can't find a tuning job with name " + name);
        }
        synchronized (tuning) {
            if (!tuning.status.equals("InProgress")) {
                return validation("The hyperparameter tuning job " + name + " is not in progress (" + tuning.status
                        + ")");
            }
            tuning.status = "Stopping";
            tuning.stopRequested = true;
            for (Job job : tuning.jobs) {
                job.stop();
            }
        }
        changed();
        return ok(JSON.createObjectNode());
    }

    private ResponseDefinition describeJob(JsonNode request) {
        Job job = jobs.get(request.path("TrainingJobName").asText());
        if (job == null) {
            return validation("Requested resource not found.");
        }
        return ok(job.describe());
    }

    private ResponseDefinition logStreams(JsonNode request) {
        String prefix = request.path("logStreamNamePrefix").asText();
        Job job = jobs.get(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        ObjectNode page = JSON.createObjectNode();
        ArrayNode streams = page.putArray("logStreams");
        if (job != null && job.startedAt != null) {
            streams.addObject().put("logStreamName", job.name + "/algo-1-" + job.startedAt.getEpochSecond())
                    .put("creationTime", job.startedAt.toEpochMilli()).put("storedBytes", 0);
        }
        return ok(page);
    }

    private ResponseDefinition logEvents(JsonNode request) {
        String stream = request.path("logStreamName").asText();
        Job job = jobs.get(stream.substring(0, stream.indexOf('/')));
        if (job == null) {
            return error(400, "ResourceNotFoundException", "The specified log stream does not exist.");
        }
        int from = request.has("nextToken") ? Integer.parseInt(request.path("nextToken").asText().substring(2)) : 0;
        List<String> lines = List.copyOf(job.log);
        ObjectNode page = JSON.createObjectNode();
        ArrayNode events = page.putArray("events");
        long t = job.startedAt.toEpochMilli();
        for (int i = from; i < lines.size(); i++) {
            events.addObject().put("timestamp", t + i).put("message", lines.get(i)).put("ingestionTime", t + i + 1);
        }
        page.put("nextForwardToken", "f/" + lines.size());
        page.put("nextBackwardToken", "b/" + from);
        return ok(page);
    }

    // --- one tuning job ----------------------------------------------------------------------------

    /** A tuning job and the thread that runs its training jobs. */
    final class Tuning {

        final String name;
        final JsonNode request;
        final Instant created = Instant.now();
        final List<Job> jobs = new CopyOnWriteArrayList<>();
        volatile String status = "InProgress";
        volatile boolean stopRequested;
        volatile String failureReason;
        volatile Instant ended;

        Tuning(String name, JsonNode request) {
            this.name = name;
            this.request = request;
        }

        JsonNode config() {
            return request.path("HyperParameterTuningJobConfig");
        }

        String objective() {
            return config().path("HyperParameterTuningJobObjective").path("MetricName").asText();
        }

        boolean maximize() {
            return config().path("HyperParameterTuningJobObjective").path("Type").asText().equals("Maximize");
        }

        void control() {
            List<Map<String, String>> plan = plan();
            Semaphore slots = new Semaphore(config().path("ResourceLimits").path("MaxParallelTrainingJobs").asInt(1));
            List<Thread> threads = new ArrayList<>();
            try {
                for (Map<String, String> values : plan) {
                    slots.acquire();
                    if (stopRequested) {
                        slots.release();
                        break;
                    }
                    Job job = new Job(this, jobs.size() + 1, values);
                    SimulatedTuning.this.jobs.put(job.name, job);
                    jobs.add(job);
                    changed();
                    Thread thread = new Thread(() -> {
                        try {
                            job.run();
                        } finally {
                            slots.release();
                            changed();
                        }
                    }, "simulated-" + job.name);
                    thread.setDaemon(true);
                    threads.add(thread);
                    thread.start();
                }
                for (Thread thread : threads) {
                    thread.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                long completed = jobs.stream().filter(j -> j.status.equals("Completed")).count();
                if (stopRequested) {
                    status = "Stopped";
                } else if (completed == 0) {
                    status = "Failed";
                    failureReason = "No training job succeeded after " + jobs.size() + " attempts. For additional "
                            + "details, please take a look at the training job failures by listing training jobs "
                            + "for the hyperparameter tuning job.";
                } else {
                    status = "Completed";
                }
                ended = Instant.now();
            }
            changed();
        }

        /** The values of each training job: every grid combination, or random draws. */
        private List<Map<String, String>> plan() {
            JsonNode ranges = config().path("ParameterRanges");
            List<Map<String, String>> plan = new ArrayList<>();
            if (config().path("Strategy").asText().equals("Grid")) {
                plan.add(new LinkedHashMap<>());
                for (JsonNode range : ranges.path("CategoricalParameterRanges")) {
                    List<Map<String, String>> next = new ArrayList<>();
                    for (Map<String, String> partial : plan) {
                        for (JsonNode value : range.path("Values")) {
                            Map<String, String> more = new LinkedHashMap<>(partial);
                            more.put(range.path("Name").asText(), value.asText());
                            next.add(more);
                        }
                    }
                    plan = next;
                }
                return plan;
            }
            Random random = new Random(config().path("RandomSeed").asLong(0));
            int count = config().path("ResourceLimits").path("MaxNumberOfTrainingJobs").asInt();
            for (int i = 0; i < count; i++) {
                Map<String, String> values = new LinkedHashMap<>();
                for (JsonNode range : ranges.path("IntegerParameterRanges")) {
                    double v = draw(random, range);
                    values.put(range.path("Name").asText(), Long.toString(Math.round(v)));
                }
                for (JsonNode range : ranges.path("ContinuousParameterRanges")) {
                    values.put(range.path("Name").asText(), Double.toString(draw(random, range)));
                }
                for (JsonNode range : ranges.path("CategoricalParameterRanges")) {
                    JsonNode choices = range.path("Values");
                    values.put(range.path("Name").asText(), choices.get(random.nextInt(choices.size())).asText());
                }
                plan.add(values);
            }
            return plan;
        }

        private double draw(Random random, JsonNode range) {
            double min = Double.parseDouble(range.path("MinValue").asText());
            double max = Double.parseDouble(range.path("MaxValue").asText());
            if (range.path("ScalingType").asText().equals("Logarithmic")) {
                return Math.exp(Math.log(min) + random.nextDouble() * (Math.log(max) - Math.log(min)));
            }
            return min + random.nextDouble() * (max - min);
        }

        ObjectNode describe() {
            ObjectNode d = JSON.createObjectNode();
            d.put("HyperParameterTuningJobName", name);
            d.put("HyperParameterTuningJobArn", ARN + "hyper-parameter-tuning-job/" + name.toLowerCase(Locale.ROOT));
            d.set("HyperParameterTuningJobConfig", config());
            d.set("TrainingJobDefinition", request.path("TrainingJobDefinition"));
            if (request.has("WarmStartConfig")) {
                d.set("WarmStartConfig", request.path("WarmStartConfig"));
            }
            d.put("HyperParameterTuningJobStatus", status);
            d.put("CreationTime", seconds(created));
            d.put("LastModifiedTime", seconds(Instant.now()));
            if (ended != null) {
                d.put("HyperParameterTuningEndTime", seconds(ended));
            }
            ObjectNode counters = d.putObject("TrainingJobStatusCounters");
            counters.put("Completed", count("Completed")).put("InProgress", count("InProgress"))
                    .put("RetryableError", 0).put("NonRetryableError", count("Failed")).put("Stopped", count("Stopped"));
            ObjectNode objectives = d.putObject("ObjectiveStatusCounters");
            objectives.put("Succeeded", jobs.stream().filter(j -> j.objectiveValue() != null).count())
                    .put("Pending", count("InProgress")).put("Failed", count("Failed"));
            Job best = best();
            if (best != null) {
                d.set("BestTrainingJob", best.summary());
            }
            if (failureReason != null) {
                d.put("FailureReason", failureReason);
            }
            return d;
        }

        private long count(String jobStatus) {
            return jobs.stream().filter(j -> j.status.equals(jobStatus)).count();
        }

        /** The completed job with the best final objective, as SageMaker's BestTrainingJob. */
        Job best() {
            Job best = null;
            for (Job job : jobs) {
                Double v = job.objectiveValue();
                if (job.status.equals("Completed") && v != null && (best == null
                        || (maximize() ? v > best.objectiveValue() : v < best.objectiveValue()))) {
                    best = job;
                }
            }
            return best;
        }
    }

    // --- one training job --------------------------------------------------------------------------

    /** A training job of a tuning job, run as SageMaker's framework container would run it. */
    final class Job {

        final Tuning tuning;
        final String name;
        final Map<String, String> tuned;
        final Instant created = Instant.now();
        final List<String> log = new CopyOnWriteArrayList<>();
        final Map<String, Double> metrics = new ConcurrentHashMap<>();
        /** The objective's values in the order the log reported them (one per epoch). */
        final List<Double> series = new CopyOnWriteArrayList<>();
        volatile boolean stoppedEarly;
        volatile String status = "InProgress";
        volatile String secondaryStatus = "Starting";
        volatile String failureReason;
        volatile Instant startedAt;
        volatile Instant endedAt;
        volatile String modelUri;
        private volatile Process process;
        private volatile boolean stopRequested;

        Job(Tuning tuning, int number, Map<String, String> tuned) {
            this.tuning = tuning;
            this.name = tuning.name + "-" + String.format("%03d", number) + "-"
                    + String.format("%08x", (tuning.name + number).hashCode());
            this.tuned = Map.copyOf(tuned);
        }

        JsonNode definition() {
            return tuning.request.path("TrainingJobDefinition");
        }

        Map<String, String> hyperparameters() {
            Map<String, String> all = new LinkedHashMap<>();
            definition().path("StaticHyperParameters").fields()
                    .forEachRemaining(e -> all.put(e.getKey(), e.getValue().asText()));
            all.putAll(tuned);
            all.put("_tuning_objective_metric", tuning.objective());
            return all;
        }

        Double objectiveValue() {
            return metrics.get(tuning.objective());
        }

        synchronized void stop() {
            stopRequested = true;
            if (process != null) {
                process.destroy();
            }
        }

        void run() {
            Path dir = work.resolve(name);
            try {
                startedAt = Instant.now();
                secondaryStatus = "Downloading";
                Map<String, String> hps = hyperparameters();
                Path code = Files.createDirectories(dir.resolve("code"));
                extract(download(S3Location.parse(jsonText(hps.get("sagemaker_submit_directory"))),
                        dir.resolve("sourcedir.tar.gz")), code);
                Map<String, String> channels = new LinkedHashMap<>();
                for (JsonNode channel : definition().path("InputDataConfig")) {
                    String channelName = channel.path("ChannelName").asText();
                    Path target = Files.createDirectories(dir.resolve("input/data").resolve(channelName));
                    downloadPrefix(S3Location.parse(channel.path("DataSource").path("S3DataSource").path("S3Uri")
                            .asText()), target);
                    channels.put(channelName, target.toString());
                }
                Path config = Files.createDirectories(dir.resolve("input/config"));
                JSON.writeValue(config.resolve("hyperparameters.json").toFile(), hps);
                Path model = Files.createDirectories(dir.resolve("model"));
                Path output = Files.createDirectories(dir.resolve("output"));
                Path outputData = Files.createDirectories(output.resolve("data"));
                secondaryStatus = "Training";
                int exit = train(hps, code, channels, config, model, output, outputData);
                secondaryStatus = "Uploading";
                if (stopRequested) {
                    finish("Stopped", null);
                } else if (exit != 0) {
                    Path failure = output.resolve("failure");
                    finish("Failed", "AlgorithmError: " + (Files.isRegularFile(failure) ? Files.readString(failure)
                            : "ExecuteUserScriptError: exit code " + exit));
                } else {
                    S3Location outputPath = S3Location.parse(definition().path("OutputDataConfig")
                            .path("S3OutputPath").asText()).child(name).child("output");
                    upload(tarGz(model, dir.resolve("model.tar.gz")), outputPath.child("model.tar.gz"));
                    upload(tarGz(outputData, dir.resolve("output.tar.gz")), outputPath.child("output.tar.gz"));
                    modelUri = outputPath.child("model.tar.gz").toString();
                    finish("Completed", null);
                }
            } catch (IOException | RuntimeException e) {
                // a stopped container's output ends abruptly
                finish(stopRequested ? "Stopped" : "Failed", stopRequested ? null : "InternalServerError: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finish("Stopped", null);
            }
        }

        private void finish(String end, String reason) {
            failureReason = reason;
            secondaryStatus = end;
            endedAt = Instant.now();
            status = end;
        }

        /** The toolkit's way: {@code python <sagemaker_program> --name value ...} in the code directory. */
        private int train(Map<String, String> hps, Path code, Map<String, String> channels, Path config, Path model,
                Path output, Path outputData) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(PYTHON, jsonText(hps.get("sagemaker_program"))));
            ObjectNode decoded = JSON.createObjectNode();
            Map<String, String> environment = new LinkedHashMap<>();
            for (Map.Entry<String, String> hp : hps.entrySet()) {
                if (hp.getKey().startsWith("sagemaker_") || hp.getKey().startsWith("_")) {
                    continue;
                }
                command.add("--" + hp.getKey());
                command.add(hp.getValue());
                JsonNode value = decode(hp.getValue());
                decoded.set(hp.getKey(), value);
                environment.put("SM_HP_" + hp.getKey().toUpperCase(Locale.ROOT),
                        value.isTextual() ? value.asText() : value.toString());
            }
            ProcessBuilder builder = new ProcessBuilder(command).directory(code.toFile()).redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(key -> key.startsWith("SM_") || key.startsWith("CD4ML_"));
            env.putAll(environment);
            env.put("SM_HPS", decoded.toString());
            env.put("SM_MODEL_DIR", model.toString());
            env.put("SM_OUTPUT_DIR", output.toString());
            env.put("SM_OUTPUT_DATA_DIR", outputData.toString());
            env.put("SM_INPUT_CONFIG_DIR", config.toString());
            env.put("SM_CHANNELS", JSON.valueToTree(List.copyOf(channels.keySet())).toString());
            channels.forEach((channel, path) -> env.put("SM_CHANNEL_" + channel.toUpperCase(Locale.ROOT), path));
            env.put("SM_CURRENT_HOST", "algo-1");
            definition().path("Environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            List<Pattern> regexes = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (JsonNode metric : definition().path("AlgorithmSpecification").path("MetricDefinitions")) {
                names.add(metric.path("Name").asText());
                regexes.add(Pattern.compile(metric.path("Regex").asText()));
            }
            synchronized (this) {
                if (stopRequested) {
                    return 143;
                }
                process = builder.start();
            }
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    log.add(line);
                    for (int i = 0; i < regexes.size(); i++) {
                        Matcher m = regexes.get(i).matcher(line);
                        if (m.find() && m.groupCount() >= 1 && m.group(1) != null) {
                            double value;
                            try {
                                value = Float.parseFloat(m.group(1).strip());
                            } catch (NumberFormatException e) {
                                continue; // as SageMaker: a match that is not a number is ignored
                            }
                            metrics.put(names.get(i), value);
                            if (names.get(i).equals(tuning.objective())) {
                                judge(value);
                            }
                        }
                    }
                }
            }
            return process.waitFor();
        }

        /**
         * SageMaker's early stopping (TrainingJobEarlyStoppingType Auto): after each epoch's
         * objective value, the median of the running averages of the completed jobs up to the
         * same epoch; a job worse than that median is stopped.
         */
        private void judge(double value) {
            series.add(value);
            if (!tuning.config().path("TrainingJobEarlyStoppingType").asText().equals("Auto")) {
                return;
            }
            int epoch = series.size();
            List<Double> averages = new ArrayList<>();
            for (Job other : tuning.jobs) {
                if (other != this && other.status.equals("Completed") && other.series.size() >= epoch) {
                    averages.add(other.series.subList(0, epoch).stream().mapToDouble(Double::doubleValue).average()
                            .orElseThrow());
                }
            }
            if (averages.isEmpty()) {
                return;
            }
            averages.sort(Double::compare);
            int middle = averages.size() / 2;
            double median = averages.size() % 2 == 1 ? averages.get(middle)
                    : (averages.get(middle - 1) + averages.get(middle)) / 2;
            if (tuning.maximize() ? value < median : value > median) {
                stoppedEarly = true;
                stop();
            }
        }

        ObjectNode summary() {
            ObjectNode s = JSON.createObjectNode();
            s.put("TrainingJobName", name);
            s.put("TrainingJobArn", ARN + "training-job/" + name.toLowerCase(Locale.ROOT));
            s.put("TuningJobName", tuning.name);
            s.put("CreationTime", seconds(created));
            if (startedAt != null) {
                s.put("TrainingStartTime", seconds(startedAt));
            }
            if (endedAt != null) {
                s.put("TrainingEndTime", seconds(endedAt));
            }
            s.put("TrainingJobStatus", status);
            ObjectNode tunedValues = s.putObject("TunedHyperParameters");
            tuned.forEach(tunedValues::put);
            if (failureReason != null) {
                s.put("FailureReason", failureReason);
            }
            Double value = objectiveValue();
            if (value != null && !status.equals("InProgress")) {
                s.putObject("FinalHyperParameterTuningJobObjectiveMetric")
                        .put("Type", tuning.maximize() ? "Maximize" : "Minimize")
                        .put("MetricName", tuning.objective()).put("Value", value);
            }
            s.put("ObjectiveStatus", status.equals("InProgress") ? "Pending" : value != null ? "Succeeded" : "Failed");
            return s;
        }

        ObjectNode describe() {
            JsonNode definition = definition();
            ObjectNode d = JSON.createObjectNode();
            d.put("TrainingJobName", name);
            d.put("TrainingJobArn", ARN + "training-job/" + name.toLowerCase(Locale.ROOT));
            d.put("TuningJobArn", ARN + "hyper-parameter-tuning-job/" + tuning.name.toLowerCase(Locale.ROOT));
            d.put("TrainingJobStatus", status);
            d.put("SecondaryStatus", secondaryStatus);
            ObjectNode algorithm = d.putObject("AlgorithmSpecification");
            algorithm.put("TrainingImage", definition.path("AlgorithmSpecification").path("TrainingImage").asText())
                    .put("TrainingInputMode", "File");
            algorithm.set("MetricDefinitions", definition.path("AlgorithmSpecification").path("MetricDefinitions"));
            d.put("RoleArn", definition.path("RoleArn").asText());
            ObjectNode hps = d.putObject("HyperParameters");
            hyperparameters().forEach(hps::put);
            d.set("InputDataConfig", definition.path("InputDataConfig"));
            d.set("OutputDataConfig", definition.path("OutputDataConfig"));
            d.set("ResourceConfig", definition.path("ResourceConfig"));
            d.set("StoppingCondition", definition.path("StoppingCondition"));
            d.put("CreationTime", seconds(created));
            if (startedAt != null) {
                d.put("TrainingStartTime", seconds(startedAt));
            }
            if (endedAt != null) {
                d.put("TrainingEndTime", seconds(endedAt));
            }
            ObjectNode artifacts = d.putObject("ModelArtifacts");
            if (modelUri != null) {
                artifacts.put("S3ModelArtifacts", modelUri);
            }
            if (failureReason != null) {
                d.put("FailureReason", failureReason);
            }
            if (!status.equals("InProgress")) {
                ArrayNode finals = d.putArray("FinalMetricDataList");
                metrics.forEach((metric, value) -> finals.addObject().put("MetricName", metric).put("Value", value)
                        .put("Timestamp", seconds(endedAt)));
            }
            ArrayNode transitions = d.putArray("SecondaryStatusTransitions");
            transitions.addObject().put("Status", "Starting").put("StartTime", seconds(created))
                    .put("StatusMessage", "Launching requested ML instances");
            if (startedAt != null) {
                transitions.addObject().put("Status", "Training").put("StartTime", seconds(startedAt))
                        .put("StatusMessage", "Training image download completed. Training in progress.");
            }
            if (endedAt != null) {
                transitions.addObject().put("Status", status).put("StartTime", seconds(endedAt))
                        .put("StatusMessage", status.equals("Completed") ? "Training job completed"
                                : String.valueOf(failureReason));
            }
            return d;
        }
    }

    // --- files and S3 ------------------------------------------------------------------------------

    private Path download(S3Location location, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        s3.getObject(b -> b.bucket(location.bucket()).key(location.key()), target);
        return target;
    }

    private void downloadPrefix(S3Location prefix, Path target) throws IOException {
        String key = prefix.key();
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(prefix.bucket()).prefix(key)).contents()) {
            String relative = object.key().substring(key.length()).replaceFirst("^/", "");
            if (relative.isEmpty()) {
                relative = object.key().substring(object.key().lastIndexOf('/') + 1);
            }
            download(new S3Location(prefix.bucket(), object.key()), target.resolve(relative));
        }
    }

    private void upload(Path file, S3Location target) {
        s3.putObject(b -> b.bucket(target.bucket()).key(target.key()), RequestBody.fromFile(file));
    }

    private static void extract(Path archive, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path file = target.resolve(entry.getName()).normalize();
                if (!file.startsWith(target)) {
                    throw new IOException("entry outside the archive: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(file);
                } else {
                    Files.createDirectories(file.getParent());
                    Files.copy(tar, file);
                }
            }
        }
    }

    private static Path tarGz(Path directory, Path target) throws IOException {
        try (OutputStream out = Files.newOutputStream(target);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out));
                Stream<Path> files = Files.walk(directory)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Iterator<Path> it = files.filter(Files::isRegularFile).sorted().iterator(); it.hasNext(); ) {
                Path file = it.next();
                TarArchiveEntry entry = new TarArchiveEntry(file.toFile(), directory.relativize(file).toString());
                tar.putArchiveEntry(entry);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
            }
        }
        return target;
    }

    // --- helpers -----------------------------------------------------------------------------------

    private static List<String> rangeNames(JsonNode ranges) {
        List<String> names = new ArrayList<>();
        for (String kind : List.of("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges")) {
            for (JsonNode range : ranges.path(kind)) {
                names.add(range.path("Name").asText());
            }
        }
        return names;
    }

    /** A JSON-encoded hyperparameter such as {@code "\"train.py\""}, decoded. */
    private static String jsonText(String value) {
        try {
            return JSON.readTree(value).asText();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As the toolkit: a value that parses as JSON is that JSON, else the text. */
    private static JsonNode decode(String value) {
        try {
            JsonNode node = JSON.readTree(value);
            return node == null || node.isMissingNode() ? JSON.getNodeFactory().textNode(value) : node;
        } catch (JsonProcessingException e) {
            return JSON.getNodeFactory().textNode(value);
        }
    }

    private static double seconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    private static ResponseDefinition ok(JsonNode body) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200)
                .withHeader("Content-Type", SimulatedSageMaker.AMZ_JSON).withBody(body.toString()).build();
    }

    private static ResponseDefinition validation(String message) {
        return error(400, "ValidationException", message);
    }

    private static ResponseDefinition error(int status, String type, String message) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
                .withHeader("Content-Type", SimulatedSageMaker.AMZ_JSON)
                .withBody(JSON.createObjectNode().put("__type", type).put("message", message).toString()).build();
    }
}
