package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.config.TrainConfig.Backend;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.train.docker.DockerTrainingBackend;
import io.jenkins.plugins.cd4ml.train.kubernetes.KubernetesTrainingBackend;
import io.jenkins.plugins.cd4ml.train.local.LocalTrainingBackend;
import io.jenkins.plugins.cd4ml.train.local.PythonInterpreter;
import io.jenkins.plugins.cd4ml.train.sagemaker.SageMakerTrainingBackend;
import java.util.Map;

/** Creates the training backend a project asks for, with production clients. */
public final class TrainingBackends {

    private TrainingBackends() {
    }

    /**
     * The backend for {@code backend}, configured from the project and the environment.
     *
     * @throws Cd4mlException if this version cannot train on that backend yet
     */
    public static TrainingBackend create(Backend backend, ProjectConfig config, Map<String, String> environment) {
        if (backend == Backend.LOCAL) {
            return new LocalTrainingBackend(PythonInterpreter.resolve(config.train().python(), environment),
                    environment);
        }
        if (backend == Backend.DOCKER) {
            return new DockerTrainingBackend(DockerClients.shared(environment), environment);
        }
        if (backend == Backend.KUBERNETES) {
            return KubernetesTrainingBackend.connect(environment, config.train().sagemaker().region());
        }
        if (backend == Backend.SAGEMAKER) {
            return SageMakerTrainingBackend.create(config, environment);
        }
        throw Cd4mlException.badInput("the " + backend.configName() + " training backend is not available in this "
                + "version of cd4ml", "use --backend local (or train.backend: local) for now");
    }
}
