package io.jenkins.plugins.cd4ml.pipeline;

import io.jenkins.plugins.cd4ml.operation.RunningOperations;
import jenkins.security.MasterToSlaveCallable;

/**
 * Runs on the agent when a build is aborted: cancels the token of the operation running under the
 * step's id ({@link RunningOperations#cancel}), so the engine stops
 * what it started (process, container, Kubernetes Job, SageMaker job) and the running
 * {@link AgentOperation} returns a {@code stopped} outcome once that is done.
 */
final class AgentCancel extends MasterToSlaveCallable<Boolean, RuntimeException> {

    private static final long serialVersionUID = 1L;

    private final String operationId;

    AgentCancel(String operationId) {
        this.operationId = operationId;
    }

    @Override
    public Boolean call() {
        return RunningOperations.cancel(operationId);
    }
}
