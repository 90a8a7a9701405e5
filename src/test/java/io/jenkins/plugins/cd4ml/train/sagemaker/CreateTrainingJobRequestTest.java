package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.train.SourceArchive;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The CreateTrainingJob request exactly as it reaches SageMaker, and the code it points at. */
class CreateTrainingJobRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    @TempDir
    Path tmp;

    private SageMakerTestbed bed;

    @BeforeEach
    void start() {
        bed = new SageMakerTestbed(proxy, tmp.resolve("project"));
        bed.sim.acceptsCreate().progress(job("Completed", "Completed").modelArtifacts(SageMakerTestbed.modelUri()));
        bed.onSleep = () -> { };
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    /** Trains once and returns the request body SageMaker received. */
    private JsonNode create(ProjectConfig config) {
        bed.sim.progress(job("InProgress", "Starting"),
                job("Completed", "Completed").modelArtifacts(SageMakerTestbed.modelUri()));
        bed.onSleep = () -> bed.putJobResults(bed.sim.createdJobName(), Map.of("model.joblib", "w"), Map.of());
        TrainingResult result = bed.trainer(config).call();
        List<JsonNode> creates = bed.sim.requests("SageMaker.CreateTrainingJob");
        assertThat(creates).hasSize(1);
        assertThat(creates.get(0).get("TrainingJobName").asText()).isEqualTo(result.runId());
        return creates.get(0);
    }

    @Nested
    class WithSpot {

        @Test
        void sendsEveryFieldOfTheJob() throws Exception {
            ProjectConfig config = bed.project(SageMakerTestbed.defaultSagemakerSection());
            String commit = bed.commitProject();

            JsonNode request = create(config);

            String run = request.get("TrainingJobName").asText();
            assertThat(run).matches("demo-[0-9]{8}-[0-9]{6}-[0-9a-f]{4}").hasSizeLessThanOrEqualTo(63);
            String code = "s3://models/cd4ml/demo/code/" + run + "/sourcedir.tar.gz";
            JsonNode expected = JSON.readTree("""
                    {
                      "TrainingJobName": "%1$s",
                      "HyperParameters": {
                        "n_estimators": "100", "max_depth": "4", "flag": "true",
                        "sagemaker_program": "\\"cd4ml_requirements.py\\"",
                        "sagemaker_submit_directory": "\\"%2$s\\"",
                        "sagemaker_region": "\\"eu-west-1\\"",
                        "sagemaker_job_name": "\\"%1$s\\"",
                        "sagemaker_container_log_level": "20"
                      },
                      "AlgorithmSpecification": {
                        "TrainingImage": "%3$s",
                        "TrainingInputMode": "File",
                        "MetricDefinitions": [
                          {"Name": "accuracy", "Regex": "accuracy=([0-9.]+)"},
                          {"Name": "loss", "Regex": "loss=([0-9.]+)"}
                        ]
                      },
                      "RoleArn": "%4$s",
                      "InputDataConfig": [
                        {"ChannelName": "train", "DataSource": {"S3DataSource": {
                          "S3DataType": "S3Prefix", "S3Uri": "s3://data/iris/",
                          "S3DataDistributionType": "FullyReplicated"}}}
                      ],
                      "OutputDataConfig": {"S3OutputPath": "s3://models/cd4ml/demo/jobs/"},
                      "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
                      "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
                      "Tags": [
                        {"Key": "cd4ml:project", "Value": "demo"},
                        {"Key": "cd4ml:run-id", "Value": "%1$s"},
                        {"Key": "cd4ml:git-commit", "Value": "%5$s"}
                      ],
                      "EnableManagedSpotTraining": true,
                      "Environment": {"CD4ML_RUN_ID": "%1$s", "CD4ML_PROGRAM": "train.py"},
                      "CheckpointConfig": {"S3Uri": "s3://models/cd4ml/demo/checkpoints/%1$s/"}
                    }
                    """.formatted(run, code, SageMakerTestbed.IMAGE, SageMakerTestbed.ROLE, commit));
            assertThat(request).isEqualTo(expected);
        }

        @Test
        void passesEveryHyperparameterAsAString() {
            JsonNode request = create(bed.project(SageMakerTestbed.defaultSagemakerSection()));

            assertThat(request.get("HyperParameters").properties()).hasSize(8)
                    .allSatisfy(hp -> assertThat(hp.getValue().isTextual()).as(hp.getKey()).isTrue());
        }

        @Test
        void usesTheConfiguredCheckpointUriAndTimeoutAsMaxWaitWithoutMaxWait() {
            JsonNode request = create(bed.project("""
                    role_arn: %s
                    spot: true
                    region: eu-west-1
                    checkpoint_uri: s3://checkpoints/iris/
                    """.formatted(SageMakerTestbed.ROLE)));

            assertThat(request.get("CheckpointConfig").get("S3Uri").asText()).isEqualTo("s3://checkpoints/iris/");
            assertThat(request.get("StoppingCondition").get("MaxWaitTimeInSeconds").asInt()).isEqualTo(3600);
            assertThat(request.get("ResourceConfig").toString())
                    .isEqualTo("{\"InstanceType\":\"ml.m5.large\",\"InstanceCount\":1,\"VolumeSizeInGB\":30}");
        }
    }

    @Nested
    class OnDemand {

        @Test
        void hasNoCheckpointsNoMaxWaitAndSpotOff() {
            JsonNode request = create(bed.project("role_arn: %s\nregion: eu-west-1\n".formatted(SageMakerTestbed.ROLE)));

            assertThat(request.get("EnableManagedSpotTraining").asBoolean()).isFalse();
            assertThat(request.has("CheckpointConfig")).isFalse();
            assertThat(request.get("StoppingCondition").toString()).isEqualTo("{\"MaxRuntimeInSeconds\":3600}");
        }

        @Test
        void withoutGitHasNoCommitTag() {
            JsonNode request = create(bed.project("role_arn: %s\n".formatted(SageMakerTestbed.ROLE)));

            List<String> keys = new ArrayList<>();
            request.get("Tags").forEach(t -> keys.add(t.get("Key").asText()));
            assertThat(keys).containsExactly("cd4ml:project", "cd4ml:run-id");
        }
    }

    @Nested
    class TheCode {

        @Test
        void isTheProjectWithoutCd4mlStateGitAndBytecodeUploadedWhereSubmitDirectoryPoints() throws Exception {
            ProjectConfig config = bed.project(SageMakerTestbed.defaultSagemakerSection());
            bed.commitProject();

            JsonNode request = create(config);

            String submit = JSON.readValue(request.get("HyperParameters").get("sagemaker_submit_directory").asText(),
                    String.class);
            assertThat(submit).startsWith("s3://models/");
            Path archive = S3Proxies.download(bed.s3, "models", submit.substring("s3://models/".length()),
                    tmp.resolve("got/sourcedir.tar.gz"));
            assertThat(entries(archive)).as("the project, and the program that records the versions and runs train.py")
                    .containsExactly("config.yaml", "features.yaml", "src/helpers.py", "train.py",
                            TrainingRequirements.SCRIPT);
        }

        @Test
        void theSameCodeGivesTheSameArchive() throws Exception {
            ProjectConfig config = bed.project(SageMakerTestbed.defaultSagemakerSection());
            Path first = SourceArchive.write(config.directory(), tmp.resolve("a/sourcedir.tar.gz")).archive();
            Thread.sleep(1100); // a different second would show in any file time
            TestProjects.write(config.directory().resolve("train.py"), "print('accuracy=0.5')\n");
            Path second = SourceArchive.write(config.directory(), tmp.resolve("b/sourcedir.tar.gz")).archive();

            assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
        }

        @Test
        void aCommandOtherThanPythonScriptCannotRunOnSageMaker() {
            ProjectConfig config = bed.project(SageMakerTestbed.defaultSagemakerSection());
            ProjectConfig withCommand = rewrite(config, "entrypoint: train.py", "command: [bash, run.sh]");

            assertThatThrownBy(() -> bed.trainer(withCommand).call())
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessageContaining("cannot run train.command [bash, run.sh]")
                    .satisfies(e -> assertThat(((Cd4mlException) e).isUserError()).isTrue());
            assertThat(bed.sim.requests("SageMaker.CreateTrainingJob")).isEmpty();
        }

        @Test
        void aPythonScriptCommandBecomesTheProgram() {
            ProjectConfig config = bed.project(SageMakerTestbed.defaultSagemakerSection());
            ProjectConfig withCommand = rewrite(config, "entrypoint: train.py", "command: [python3, src/helpers.py]");

            JsonNode request = create(withCommand);

            assertThat(request.get("HyperParameters").get("sagemaker_program").asText())
                    .as("cd4ml's script, which records the versions and runs the command's script")
                    .isEqualTo("\"cd4ml_requirements.py\"");
            assertThat(request.get("Environment").get("CD4ML_PROGRAM").asText()).isEqualTo("src/helpers.py");
        }
    }

    /** The project with one line of config.yaml replaced. */
    private static ProjectConfig rewrite(ProjectConfig config, String line, String replacement) {
        try {
            Files.writeString(config.file(), Files.readString(config.file()).replace(line, replacement));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ConfigLoader.forProject(config.directory()).withEnvironment(Map.of()).load();
    }

    static List<String> entries(Path archive) throws Exception {
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                names.add(entry.getName());
            }
        }
        return names;
    }
}
