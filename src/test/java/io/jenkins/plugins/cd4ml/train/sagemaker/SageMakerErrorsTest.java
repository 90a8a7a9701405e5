package io.jenkins.plugins.cd4ml.train.sagemaker;

import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.error;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.job;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.logsCall;
import static io.jenkins.plugins.cd4ml.train.sagemaker.SimulatedSageMaker.sagemakerCall;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;

/** AWS errors come out with the job, the region, the permission and what to do. */
class SageMakerErrorsTest {

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    @TempDir
    Path tmp;

    private SageMakerTestbed bed;
    private ProjectConfig config;

    @BeforeEach
    void start() {
        bed = new SageMakerTestbed(proxy, tmp.resolve("project"));
        config = bed.project(SageMakerTestbed.defaultSagemakerSection());
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertTrainingFails() {
        return assertThatThrownBy(() -> bed.trainer(config).call()).isInstanceOf(Cd4mlException.class);
    }

    private static String suggestion(Throwable e) {
        return ((Cd4mlException) e).suggestion().orElse("");
    }

    @Test
    void accessDeniedNamesThePermissionTheJobAndTheRegion() {
        bed.sim.server().stubFor(sagemakerCall("CreateTrainingJob").willReturn(error(400, "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sagemaker:CreateTrainingJob "
                        + "on resource: arn:aws:sagemaker:eu-west-1:123456789012:training-job/x")));

        assertTrainingFails()
                .hasMessageMatching("the credentials may not call sagemaker:CreateTrainingJob \\(training job "
                        + "demo-[0-9-]+-[0-9a-f]{4}, region eu-west-1\\): User: arn:aws:iam::123456789012:user/ci is "
                        + "not authorized to perform: sagemaker:CreateTrainingJob on resource: .*")
                .satisfies(e -> assertThat(suggestion(e)).startsWith("allow sagemaker:CreateTrainingJob for the "
                        + "identity cd4ml runs as"))
                .satisfies(e -> assertThat(((Cd4mlException) e).isUserError()).isFalse());
    }

    @Test
    void aMissingPassRoleNamesTheRole() {
        bed.sim.server().stubFor(sagemakerCall("CreateTrainingJob").willReturn(error(400, "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:PassRole on resource: "
                        + SageMakerTestbed.ROLE)));

        assertTrainingFails()
                .hasMessageStartingWith("the credentials may not pass the role " + SageMakerTestbed.ROLE
                        + " to SageMaker (iam:PassRole)")
                .satisfies(e -> assertThat(suggestion(e)).contains("allow iam:PassRole on train.sagemaker.role_arn"));
    }

    @Test
    void aQuotaThatIsUsedUpPointsAtServiceQuotas() {
        bed.sim.server().stubFor(sagemakerCall("CreateTrainingJob").willReturn(error(400, "ResourceLimitExceeded",
                "The account-level service limit 'ml.m5.xlarge for spot training job usage' is 0 Instances, with "
                        + "current utilization of 0 Instances and a request delta of 2 Instances.")));

        assertTrainingFails()
                .hasMessageContaining("SageMaker refused CreateTrainingJob because an account quota in eu-west-1 is "
                        + "used up")
                .hasMessageContaining("is 0 Instances")
                .satisfies(e -> assertThat(suggestion(e)).contains("Service Quotas",
                        "'ml.m5.xlarge for spot training job usage'", "train.sagemaker.instance_type"));
    }

    @Test
    void aJobNameThatExistsSuggestsAttaching() {
        bed.sim.server().stubFor(sagemakerCall("CreateTrainingJob").willReturn(error(400, "ResourceInUse",
                "Training job names must be unique within an AWS account and region")));

        assertTrainingFails()
                .hasMessageMatching("a SageMaker training job named (demo-[0-9-]+-[0-9a-f]{4}) already exists in "
                        + "eu-west-1")
                .satisfies(e -> assertThat(suggestion(e)).startsWith("follow it with 'cd4ml train --attach demo-"));
    }

    @Test
    void aRoleSageMakerCannotAssumeIsExplained() {
        bed.sim.server().stubFor(sagemakerCall("CreateTrainingJob").willReturn(error(400, "ValidationException",
                "Could not assume role " + SageMakerTestbed.ROLE + ". Please ensure that the role exists and allows "
                        + "principal 'sagemaker.amazonaws.com' to assume the role.")));

        assertTrainingFails()
                .hasMessageStartingWith("SageMaker rejected CreateTrainingJob (training job demo-")
                .satisfies(e -> assertThat(suggestion(e)).contains("trusts sagemaker.amazonaws.com"));
    }

    @Test
    void noCredentialsIsClearBeforeAnythingIsUploadedOrCreated() {
        SageMakerTrainingBackend backend = new SageMakerTrainingBackend(
                bed.sim.sagemaker(() -> {
                    throw SdkClientException.create("Unable to load credentials from any of the providers in the "
                            + "chain AwsCredentialsProviderChain(...)");
                }),
                bed.sim.logs(), new S3Transfers(bed.s3), bed.sleeper());

        assertThatThrownBy(() -> bed.trainer(config, backend).call())
                .isInstanceOf(Cd4mlException.class)
                .hasMessage("no AWS credentials found for SageMaker in eu-west-1")
                .satisfies(e -> assertThat(suggestion(e)).contains("AWS default chain", "AWS_ACCESS_KEY_ID",
                        "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "aws sso login", "AWS_WEB_IDENTITY_TOKEN_FILE",
                        "instance role"));
        assertThat(bed.sim.server().getAllServeEvents()).isEmpty();
        assertThat(bed.s3.listObjectsV2(b -> b.bucket("models")).contents()).isEmpty();
    }

    @Test
    void aLogWithoutLogsPermissionsIsWarnedAboutOnceAndTheJobIsStillFollowed() {
        bed.sim.acceptsCreate().progress(job("InProgress", "Training"), job("InProgress", "Training"),
                job("Completed", "Completed").modelArtifacts(SageMakerTestbed.modelUri()));
        bed.sim.server().stubFor(logsCall("DescribeLogStreams").willReturn(error(400, "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: logs:DescribeLogStreams")));
        bed.onSleep = () -> bed.putJobResults(bed.sim.createdJobName(), Map.of("model.joblib", "w"), Map.of());

        TrainingResult result = bed.trainer(config).call();

        assertThat(result.modelVersion()).isNotBlank();
        assertThat(bed.events).filteredOn(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING)
                .singleElement().satisfies(e -> assertThat(((Event.Message) e).text()).contains(
                        "cannot read the training log from CloudWatch", "may not call logs:DescribeLogStreams",
                        "following the job by its status only"));
        assertThat(bed.sim.requests("Logs_20140328.DescribeLogStreams")).hasSize(1);
    }

    @Test
    void aLogGroupThatDoesNotExistYetIsNotAnError() {
        bed.sim.acceptsCreate().progress(job("InProgress", "Starting"),
                job("Completed", "Completed").modelArtifacts(SageMakerTestbed.modelUri()));
        bed.sim.server().stubFor(logsCall("DescribeLogStreams").willReturn(error(400, "ResourceNotFoundException",
                "The specified log group does not exist.")));
        bed.onSleep = () -> bed.putJobResults(bed.sim.createdJobName(), Map.of("model.joblib", "w"), Map.of());

        bed.trainer(config).call();

        assertThat(bed.events).noneMatch(e -> e instanceof Event.Message m && m.level() == Event.Level.WARNING);
    }
}
