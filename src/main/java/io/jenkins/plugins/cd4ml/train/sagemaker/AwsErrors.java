package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Calls AWS for one training job and turns its errors into messages that say which job, which
 * region and which IAM permission, with what to do. An interrupt of the calling thread during a
 * call comes out as {@link InterruptedException}, so the caller can stop the job it started.
 */
final class AwsErrors {

    private static final Set<String> BAD_CREDENTIALS = Set.of("UnrecognizedClientException",
            "InvalidClientTokenId", "InvalidSignatureException", "ExpiredTokenException", "ExpiredToken",
            "IncompleteSignature", "MissingAuthenticationToken");

    private final String region;
    private final String roleArn;
    private final String quotaName;
    private final String kind;

    /**
     * @param roleArn the role the job runs as, named when {@code iam:PassRole} is missing; may be null
     * @param quotaName the Service Quotas entry a job of this kind counts against; may be null
     */
    AwsErrors(String region, String roleArn, String quotaName) {
        this(region, roleArn, quotaName, "training job");
    }

    /** @param kind what the calls are for, as messages name it: "training job" or "hyperparameter tuning job" */
    AwsErrors(String region, String roleArn, String quotaName, String kind) {
        this.region = region;
        this.roleArn = roleArn;
        this.quotaName = quotaName;
        this.kind = kind;
    }

    String region() {
        return region;
    }

    /**
     * Runs one AWS call for {@code jobName}; {@code permission} is the IAM action it needs, such as
     * {@code sagemaker:CreateTrainingJob}.
     */
    <T> T call(String permission, String jobName, Supplier<T> action) throws InterruptedException {
        try {
            return action.get();
        } catch (SdkException e) {
            if (isInterruption(e)) {
                Thread.interrupted();
                throw new InterruptedException(permission + " for " + jobName + " was interrupted");
            }
            throw translate(e, permission, jobName);
        }
    }

    /** True if the error is the SDK noticing that the calling thread was interrupted. */
    static boolean isInterruption(Throwable error) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof AbortedException || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /** True if AWS refused the call for lack of a permission. */
    static boolean isAccessDenied(Throwable error) {
        return error instanceof SdkException sdk
                && (code(sdk).equals("AccessDeniedException") || code(sdk).equals("AccessDenied"));
    }

    /**
     * True for errors that say nothing about the job: throttling that outlasted the SDK's retries,
     * a server error, a dropped connection. A poller tries again instead of giving up on a job
     * that is still running.
     */
    static boolean isTransient(Throwable error) {
        if (error instanceof AwsServiceException service) {
            return service.isThrottlingException() || service.statusCode() >= 500;
        }
        return error instanceof SdkClientException client && !String.valueOf(client.getMessage())
                .contains("Unable to load credentials");
    }

    /** The AWS error code, such as {@code ValidationException}, or empty for client-side errors. */
    static String code(SdkException error) {
        if (error instanceof AwsServiceException service && service.awsErrorDetails() != null
                && service.awsErrorDetails().errorCode() != null) {
            return service.awsErrorDetails().errorCode();
        }
        return "";
    }

    /** The service's own message, without the SDK's request details. */
    static String message(SdkException error) {
        if (error instanceof AwsServiceException service && service.awsErrorDetails() != null
                && service.awsErrorDetails().errorMessage() != null) {
            return service.awsErrorDetails().errorMessage();
        }
        return String.valueOf(error.getMessage());
    }

    Cd4mlException translate(SdkException error, String permission, String jobName) {
        String code = code(error);
        String aws = message(error);
        String operation = permission.substring(permission.indexOf(':') + 1);
        String where = "(" + kind + " " + jobName + ", region " + region + ")";
        if (error instanceof SdkClientException) {
            if (aws.contains("Unable to load credentials")) {
                return noCredentials(region, error);
            }
            return Cd4mlException.workFailed("cannot reach AWS for " + operation + " " + where + ": " + aws,
                    "check the network and proxy settings, train.sagemaker.region, and AWS_ENDPOINT_URL_SAGEMAKER "
                            + "if it is set", error);
        }
        if (isAccessDenied(error)) {
            if (aws.contains("iam:PassRole")) {
                return Cd4mlException.workFailed("the credentials may not pass the role "
                        + (roleArn == null ? "" : roleArn + " ") + "to SageMaker (iam:PassRole) " + where + ": " + aws,
                        "allow iam:PassRole on train.sagemaker.role_arn for the identity cd4ml runs as", error);
            }
            return Cd4mlException.workFailed("the credentials may not call " + permission + " " + where + ": " + aws,
                    "allow " + permission + " for the identity cd4ml runs as (check with 'aws sts "
                            + "get-caller-identity'), or run with credentials that have it", error);
        }
        if (BAD_CREDENTIALS.contains(code)) {
            return Cd4mlException.workFailed("AWS did not accept the credentials for " + operation + " " + where
                    + ": " + aws, "refresh them (aws sso login, a new session token) or check AWS_PROFILE and "
                    + "AWS_ACCESS_KEY_ID", error);
        }
        if (code.equals("ResourceLimitExceeded")) {
            return Cd4mlException.workFailed("SageMaker refused " + operation + " because an account quota in "
                    + region + " is used up " + where + ": " + aws, "request an increase in Service Quotas (Amazon "
                    + "SageMaker" + (quotaName == null ? "" : ", '" + quotaName + "'") + "), choose another "
                    + "train.sagemaker.instance_type, or wait for running jobs to finish", error);
        }
        if (code.equals("ResourceInUse") && !kind.equals("training job")) {
            return Cd4mlException.workFailed("a SageMaker " + kind + " named " + jobName + " already exists in "
                    + region, "tune again: cd4ml names each tuning job anew", error);
        }
        if (code.equals("ResourceInUse")) {
            return Cd4mlException.workFailed("a SageMaker training job named " + jobName + " already exists in "
                    + region, "follow it with 'cd4ml train --attach " + jobName + "'", error);
        }
        if (code.equals("ThrottlingException") || code.equals("Throttling")) {
            return Cd4mlException.workFailed("AWS kept throttling " + operation + " " + where + " after retries: "
                    + aws, "wait a minute and try again; something else in the account may be calling it heavily",
                    error);
        }
        if (code.equals("ValidationException")) {
            String suggestion;
            if (aws.contains("not found") || aws.contains("does not exist")) {
                suggestion = "check the job name and the region (train.sagemaker.region or AWS_REGION)";
            } else if (aws.toLowerCase(Locale.ROOT).contains("assume")) {
                suggestion = "check that train.sagemaker.role_arn exists and trusts sagemaker.amazonaws.com";
            } else {
                suggestion = "check the train settings in config.yaml against this message";
            }
            return Cd4mlException.workFailed("SageMaker rejected " + operation + " " + where + ": " + aws,
                    suggestion, error);
        }
        return Cd4mlException.workFailed(operation + " failed " + where + ": " + aws
                + (code.isEmpty() ? "" : " (" + code + ")"), null, error);
    }

    /** No credentials anywhere in the AWS default chain. */
    static Cd4mlException noCredentials(String region, Throwable cause) {
        return Cd4mlException.workFailed("no AWS credentials found for SageMaker in " + region,
                "provide them through the AWS default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus "
                        + "AWS_SESSION_TOKEN) in the environment, AWS_PROFILE naming a profile in ~/.aws/credentials "
                        + "or ~/.aws/config (for SSO run 'aws sso login'), a web identity (AWS_ROLE_ARN and "
                        + "AWS_WEB_IDENTITY_TOKEN_FILE, e.g. EKS IRSA), or an ECS task or EC2 instance role; in "
                        + "Jenkins bind AWS credentials around the step", cause);
    }
}
