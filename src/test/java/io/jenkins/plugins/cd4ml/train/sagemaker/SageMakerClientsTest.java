package io.jenkins.plugins.cd4ml.train.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import io.jenkins.plugins.cd4ml.engine.Clients;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import io.jenkins.plugins.cd4ml.train.TrainingBackends;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/** The production wiring: which backend, which region (no AWS call is made). */
class SageMakerClientsTest {

    private static Clients clients(Map<String, String> environment) {
        return Clients.fromEnvironment(environment);
    }

    @Test
    void theConfiguredRegionWinsOverTheEnvironment() {
        assertThat(SageMakerClients.region(Optional.of("eu-central-1"), clients(Map.of("AWS_REGION", "us-west-2"))))
                .isEqualTo(Region.EU_CENTRAL_1);
    }

    @Test
    void withoutConfigTheEnvironmentNamesTheRegion() {
        assertThat(SageMakerClients.region(Optional.empty(), clients(Map.of("AWS_REGION", "us-west-2",
                "AWS_DEFAULT_REGION", "ap-south-1")))).isEqualTo(Region.US_WEST_2);
        assertThat(SageMakerClients.region(Optional.empty(), clients(Map.of("AWS_DEFAULT_REGION", "ap-south-1"))))
                .isEqualTo(Region.AP_SOUTH_1);
    }

    @Test
    void theSagemakerBackendIsCreatedForSagemakerProjects(@TempDir Path tmp) {
        TestProjects.write(tmp.resolve("config.yaml"), """
                version: 1
                project: {name: demo}
                model: {target: y}
                train:
                  backend: sagemaker
                  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/sklearn:1
                  channels: {train: 's3://data/iris/'}
                  output: s3://models/cd4ml
                  sagemaker: {role_arn: 'arn:aws:iam::123456789012:role/SageMakerRole', region: eu-west-1}
                """);
        TestProjects.write(tmp.resolve("features.yaml"), "features:\n  - {name: x, type: float}\n");
        TestProjects.write(tmp.resolve("train.py"), "print(1)\n");
        ProjectConfig config = ConfigLoader.forProject(tmp).withEnvironment(Map.of()).load();

        TrainingBackend backend = TrainingBackends.create(TrainConfig.Backend.SAGEMAKER, config,
                EngineContext.builder().build());

        assertThat(backend).isInstanceOf(SageMakerTrainingBackend.class);
        assertThat(backend.name()).isEqualTo("sagemaker");
        assertThat(backend.readsLocalChannels()).isFalse();
    }
}
