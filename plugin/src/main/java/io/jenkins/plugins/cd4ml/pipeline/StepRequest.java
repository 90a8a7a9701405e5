package io.jenkins.plugins.cd4ml.pipeline;

import java.io.Serializable;
import java.util.LinkedHashMap;

/**
 * What one {@code cd4ml} step was asked to do, as plain serializable values: kept in the
 * Pipeline's saved state and sent to the agent (so it holds no secrets, only credential IDs).
 */
final class StepRequest implements Serializable {

    private static final long serialVersionUID = 1L;

    final String operation;
    final String config;
    final String dir;
    final LinkedHashMap<String, Object> options;
    final String registryCredentialsId;
    final String kubeconfigCredentialsId;
    final String awsCredentialsId;
    final boolean json;
    final boolean failOnError;
    final boolean archiveReport;

    StepRequest(Cd4mlStep step) {
        this.operation = step.getOperation();
        this.config = step.getConfig();
        this.dir = step.getDir();
        this.options = new LinkedHashMap<>(step.getOptions());
        this.registryCredentialsId = step.getRegistryCredentialsId();
        this.kubeconfigCredentialsId = step.getKubeconfigCredentialsId();
        this.awsCredentialsId = step.getAwsCredentialsId();
        this.json = step.isJson();
        this.failOnError = step.isFailOnError();
        this.archiveReport = step.isArchiveReport();
    }

    @Override
    public String toString() {
        return "cd4ml " + operation + (dir == null ? "" : " in " + dir);
    }
}
