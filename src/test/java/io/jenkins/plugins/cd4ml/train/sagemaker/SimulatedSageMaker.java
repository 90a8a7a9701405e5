package io.jenkins.plugins.cd4ml.train.sagemaker;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * SageMaker and CloudWatch Logs as WireMock on 127.0.0.1, answering like the real services
 * (JSON 1.1: {@code POST /}, {@code X-Amz-Target}, {@code application/x-amz-json-1.1}). A job
 * moves through the states given to {@link #progress} one step per {@link #advance()}, which a
 * test's sleeper calls: the simulated clock is the poller's own sleeps.
 */
final class SimulatedSageMaker implements AutoCloseable {

    /** The job name of the request being answered (WireMock response templating). */
    static final String JOB = "{{jsonPath request.body '$.TrainingJobName'}}";
    static final String AMZ_JSON = "application/x-amz-json-1.1";
    static final double CREATED = 1735732800.0;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WireMockServer server;
    private final SimulatedTuning tuning = new SimulatedTuning();
    private final List<Describe> states = new ArrayList<>();
    private int position;

    SimulatedSageMaker() {
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort()
                .globalTemplating(true).extensions(tuning));
        server.start();
    }

    @Override
    public void close() {
        server.stop();
    }

    WireMockServer server() {
        return server;
    }

    static AwsCredentialsProvider testCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret"));
    }

    /** Retries as in production (standard mode), but 10 ms apart instead of seconds. */
    static ClientOverrideConfiguration fastRetries() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(b -> b.maxAttempts(3)
                        .backoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(10)))
                        .throttlingBackoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(10))))
                .apiCallTimeout(Duration.ofSeconds(20))
                .build();
    }

    SageMakerClient sagemaker() {
        return sagemaker(testCredentials());
    }

    SageMakerClient sagemaker(AwsCredentialsProvider credentials) {
        return SageMakerClient.builder().endpointOverride(URI.create(server.baseUrl())).region(Region.EU_WEST_1)
                .credentialsProvider(credentials).overrideConfiguration(fastRetries()).build();
    }

    CloudWatchLogsClient logs() {
        return CloudWatchLogsClient.builder().endpointOverride(URI.create(server.baseUrl())).region(Region.EU_WEST_1)
                .credentialsProvider(testCredentials()).overrideConfiguration(fastRetries()).build();
    }

    /**
     * Answers the tuning-job operations, and DescribeTrainingJob and the CloudWatch log of the
     * training jobs they launch, with {@link SimulatedTuning}, whose jobs use {@code s3} and
     * keep their container files under {@code work}.
     */
    SimulatedTuning runsTuningJobs(software.amazon.awssdk.services.s3.S3Client s3, java.nio.file.Path work) {
        tuning.use(s3, work);
        for (String operation : List.of("CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob",
                "ListTrainingJobsForHyperParameterTuningJob", "StopHyperParameterTuningJob", "DescribeTrainingJob")) {
            server.stubFor(sagemakerCall(operation).atPriority(1)
                    .willReturn(aResponse().withTransformers(SimulatedTuning.NAME)));
        }
        for (String operation : List.of("DescribeLogStreams", "GetLogEvents")) {
            server.stubFor(logsCall(operation).atPriority(1).willReturn(aResponse()
                    .withTransformers(SimulatedTuning.NAME)));
        }
        return tuning;
    }

    // --- stubs -----------------------------------------------------------------------------------

    static MappingBuilder sagemakerCall(String operation) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("SageMaker." + operation));
    }

    static MappingBuilder logsCall(String operation) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("Logs_20140328." + operation));
    }

    static ResponseDefinitionBuilder ok(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", AMZ_JSON).withBody(body);
    }

    /** An AWS JSON 1.1 error as the services send it. */
    static ResponseDefinitionBuilder error(int status, String type, String message) {
        ObjectNode body = JSON.createObjectNode().put("__type", type).put("message", message);
        return aResponse().withStatus(status).withHeader("Content-Type", AMZ_JSON).withBody(body.toString());
    }

    /** CreateTrainingJob succeeds, answering with the job's ARN. */
    SimulatedSageMaker acceptsCreate() {
        server.stubFor(sagemakerCall("CreateTrainingJob").willReturn(ok(
                "{\"TrainingJobArn\":\"arn:aws:sagemaker:eu-west-1:123456789012:training-job/" + JOB + "\"}")));
        return this;
    }

    /** The job goes through these states, one per {@link #advance()}, staying in the last. */
    SimulatedSageMaker progress(Describe... states) {
        this.states.clear();
        this.states.addAll(List.of(states));
        position = 0;
        stubDescribe();
        return this;
    }

    /** Moves the job to its next state; returns the new position. */
    synchronized int advance() {
        if (position < states.size() - 1) {
            position++;
            stubDescribe();
        }
        return position;
    }

    private void stubDescribe() {
        server.stubFor(sagemakerCall("DescribeTrainingJob").willReturn(ok(states.get(position).json())));
    }

    /** One log stream per host with these lines, read in one page and then at its end. */
    SimulatedSageMaker logStream(String host, String... lines) {
        String stream = "{{jsonPath request.body '$.logStreamNamePrefix'}}" + host + "-1735732800";
        ArrayNode streams = JSON.createArrayNode();
        streams.addObject().put("logStreamName", "__STREAM__").put("creationTime", 1735732800000L)
                .put("storedBytes", 0);
        server.stubFor(logsCall("DescribeLogStreams").willReturn(ok(JSON.createObjectNode()
                .set("logStreams", streams).toString().replace("__STREAM__", stream))));
        ArrayNode events = JSON.createArrayNode();
        long t = 1735732801000L;
        for (String line : lines) {
            events.addObject().put("timestamp", t++).put("message", line).put("ingestionTime", t);
        }
        server.stubFor(logsCall("GetLogEvents").atPriority(5).willReturn(ok(JSON.createObjectNode()
                .put("nextForwardToken", "f/00000000000000000000000000000000000000000000000000000001")
                .put("nextBackwardToken", "b/00000000000000000000000000000000000000000000000000000000")
                .set("events", events).toString())));
        server.stubFor(logsCall("GetLogEvents").atPriority(1)
                .withRequestBody(matchingJsonPath("$.nextToken",
                        equalTo("f/00000000000000000000000000000000000000000000000000000001")))
                .willReturn(ok("{\"events\":[],\"nextForwardToken\":\"f/00000000000000000000000000000000000000000000"
                        + "000000000001\",\"nextBackwardToken\":\"b/0000000000000000000000000000000000000000000000000"
                        + "0000001\"}")));
        return this;
    }

    /** The bodies of the requests made to an operation such as {@code SageMaker.CreateTrainingJob}. */
    List<JsonNode> requests(String target) {
        return server.findAll(postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(target)))
                .stream().map(r -> {
                    try {
                        return JSON.readTree(r.getBodyAsString());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).toList();
    }

    /** The name in the (only) CreateTrainingJob request. */
    String createdJobName() {
        List<JsonNode> creates = requests("SageMaker.CreateTrainingJob");
        return creates.isEmpty() ? null : creates.get(0).get("TrainingJobName").asText();
    }

    // --- DescribeTrainingJob responses ---------------------------------------------------------

    static Describe job(String status, String secondaryStatus) {
        return new Describe(status, secondaryStatus);
    }

    /** A DescribeTrainingJob response body, shaped like the real one. */
    static final class Describe {

        private final ObjectNode body = JSON.createObjectNode();
        private final ArrayNode transitions;

        Describe(String status, String secondaryStatus) {
            body.put("TrainingJobName", JOB);
            body.put("TrainingJobArn", "arn:aws:sagemaker:eu-west-1:123456789012:training-job/" + JOB);
            body.put("TrainingJobStatus", status);
            body.put("SecondaryStatus", secondaryStatus);
            body.putObject("AlgorithmSpecification")
                    .put("TrainingImage", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sklearn:1.2-1")
                    .put("TrainingInputMode", "File");
            body.put("RoleArn", "arn:aws:iam::123456789012:role/SageMakerRole");
            body.putObject("OutputDataConfig").put("S3OutputPath", "s3://models/cd4ml/demo/jobs/");
            body.putObject("ResourceConfig").put("InstanceType", "ml.m5.large").put("InstanceCount", 1)
                    .put("VolumeSizeInGB", 30);
            body.putObject("StoppingCondition").put("MaxRuntimeInSeconds", 3600);
            body.put("CreationTime", CREATED);
            body.put("LastModifiedTime", CREATED + 60);
            body.putObject("ModelArtifacts");
            transitions = body.putArray("SecondaryStatusTransitions");
        }

        /** Adds a secondary-status step (the earlier ones end when the next starts). */
        Describe step(String status, String message) {
            double start = CREATED + 10 * transitions.size();
            if (!transitions.isEmpty()) {
                ((ObjectNode) transitions.get(transitions.size() - 1)).put("EndTime", start);
            }
            transitions.addObject().put("Status", status).put("StartTime", start).put("StatusMessage", message);
            return this;
        }

        Describe modelArtifacts(String uri) {
            ((ObjectNode) body.get("ModelArtifacts")).put("S3ModelArtifacts", uri);
            return this;
        }

        Describe failureReason(String reason) {
            body.put("FailureReason", reason);
            return this;
        }

        Describe finalMetric(String name, double value) {
            ArrayNode list = body.has("FinalMetricDataList") ? (ArrayNode) body.get("FinalMetricDataList")
                    : body.putArray("FinalMetricDataList");
            list.addObject().put("MetricName", name).put("Value", value).put("Timestamp", CREATED + 300);
            return this;
        }

        Describe hyperparameters(Map<String, String> hyperparameters) {
            ObjectNode hps = body.putObject("HyperParameters");
            hyperparameters.forEach(hps::put);
            return this;
        }

        Describe channel(String name, String uri) {
            ArrayNode inputs = body.has("InputDataConfig") ? (ArrayNode) body.get("InputDataConfig")
                    : body.putArray("InputDataConfig");
            inputs.addObject().put("ChannelName", name).putObject("DataSource").putObject("S3DataSource")
                    .put("S3DataType", "S3Prefix").put("S3Uri", uri).put("S3DataDistributionType", "FullyReplicated");
            return this;
        }

        Describe instanceCount(int count) {
            ((ObjectNode) body.get("ResourceConfig")).put("InstanceCount", count);
            return this;
        }

        Describe named(String name) {
            body.put("TrainingJobName", name);
            body.put("TrainingJobArn", "arn:aws:sagemaker:eu-west-1:123456789012:training-job/" + name);
            return this;
        }

        String json() {
            return body.toString();
        }
    }
}
