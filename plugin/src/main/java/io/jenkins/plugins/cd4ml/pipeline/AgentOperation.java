package io.jenkins.plugins.cd4ml.pipeline;

import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.image.SecretRedactor;
import io.jenkins.plugins.cd4ml.operation.EngineOperation;
import io.jenkins.plugins.cd4ml.operation.KubeconfigFile;
import io.jenkins.plugins.cd4ml.operation.OperationOutcome;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import jenkins.MasterToSlaveFileCallable;

/**
 * Runs one engine operation in the agent's JVM, in the project directory this callable is
 * invoked on, streaming its progress to the build log with the step's secrets masked.
 *
 * <p>A stop reaches the operation's {@link CancelToken} from either side: {@link AgentCancel} (the
 * build was aborted; by the step's id through {@code operation.RunningOperations}), or an interrupt
 * of this thread, which Remoting delivers when the controller stops waiting or the channel to the
 * controller closes ({@link EngineOperation#callStoppingOnInterrupt}). Either way the engine stops
 * what it started and this callable waits (up to {@link #STOP_GRACE}) until it has. Everything
 * here but the Jenkins types is engine code tested in the default build ({@code EngineOperationTest},
 * {@code KubeconfigFileTest}, {@code RunningOperationsTest}).
 */
final class AgentOperation extends MasterToSlaveFileCallable<AgentResult> {

    private static final long serialVersionUID = 1L;

    /** How long a stopping operation may take to stop what it started (a SageMaker job takes minutes). */
    static final Duration STOP_GRACE = Duration.ofMinutes(10);

    private final String operationId;
    private final StepRequest request;
    private final HashMap<String, String> environment;
    private final SecretEnvironment secrets;
    private final TaskListener listener;

    AgentOperation(String operationId, StepRequest request, Map<String, String> environment, SecretEnvironment secrets,
            TaskListener listener) {
        this.operationId = operationId;
        this.request = request;
        this.environment = new HashMap<>(environment);
        this.secrets = secrets;
        this.listener = listener;
    }

    @Override
    public AgentResult invoke(File project, VirtualChannel channel) throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(environment);
        env.putAll(secrets.variables());
        try (KubeconfigFile kubeconfig = KubeconfigFile.write(secrets.kubeconfig())) {
            env.putAll(kubeconfig.environment());
            SecretRedactor redactor = SecretRedactor.of(secrets.values(), env);
            OperationOutcome outcome = EngineOperation.named(request.operation).withId(operationId)
                    .inProject(project.toPath()).withConfigFile(request.config).withOptions(request.options)
                    .withEnvironment(env).withOutput(new LogLines(listener.getLogger(), redactor))
                    .callStoppingOnInterrupt(STOP_GRACE);
            return AgentResult.of(outcome, redactor);
        }
    }
}
