package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.PythonInterpreter;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig.Backend;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.train.docker.DockerTrainingBackend;
import io.jenkins.plugins.cd4ml.train.kubernetes.KubernetesTrainingBackend;
import io.jenkins.plugins.cd4ml.train.local.LocalTrainingBackend;
import io.jenkins.plugins.cd4ml.train.sagemaker.SageMakerTrainingBackend;

/** Creates the training backend a project asks for, with the clients of the operation's context. */
public final class TrainingBackends {

    private TrainingBackends() {
    }

    /**
     * The backend for {@code backend}, configured from the project and the context's environment
     * and clients; the caller closes it.
     *
     * @throws Cd4mlException if this version cannot train on that backend yet
     */
    public static TrainingBackend create(Backend backend, ProjectConfig config, EngineContext context) {
        if (backend == Backend.LOCAL) {
            return new LocalTrainingBackend(PythonInterpreter.resolve(config.train().python(),
                    context.environment()), context.environment());
        }
        if (backend == Backend.DOCKER) {
            return new DockerTrainingBackend(context.clients().docker(), context.environment());
        }
        if (backend == Backend.KUBERNETES) {
            return KubernetesTrainingBackend.connect(context.clients(), config.train().sagemaker().region());
        }
        if (backend == Backend.SAGEMAKER) {
            return SageMakerTrainingBackend.create(config, context.clients());
        }
        throw Cd4mlException.badInput("the " + backend.configName() + " training backend is not available in this "
                + "version of cd4ml", "train with " + context.advice().option("backend", "local")
                + " (or train.backend: local) for now");
    }
}
