package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Projects configured for the kubernetes backend, and training jobs for them. */
final class KubernetesProjects {

    static final String RUN_ID = "demo-20250101-120000-abcd";
    static final String IMAGE = "registry.example.com/ml/train:1.4";

    /** Everything the kubernetes section can say. */
    static final String FULL = """
            backend: kubernetes
            image: registry.example.com/ml/train:1.4
            entrypoint: train.py
            channels:
              train: s3://data/iris/
              extra: https://example.com/files/extra.csv
            output: s3://models/cd4ml
            hyperparameters: {alpha: 0.5, depth: 3}
            metrics:
              - {name: accuracy, regex: 'accuracy=([0-9.]+)'}
            resources: {cpu: 1500m, memory: 2Gi, gpu: 1}
            timeout: 2h
            kubernetes:
              namespace: ml
              service_account: trainer
              node_selector: {pool: gpu}
              tolerations:
                - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
              secrets: [wandb, db-creds]
              env: {WANDB_PROJECT: iris, SM_NUM_GPUS: "2"}
            """;

    /** The least a kubernetes project needs. */
    static final String MINIMAL = """
            backend: kubernetes
            image: python:3.11-slim
            channels:
              train: s3://data/iris/
            output: s3://models/cd4ml
            metrics:
              - {name: accuracy, regex: 'accuracy=([0-9.]+)'}
            resources: {memory: 2Gi}
            timeout: 2h
            kubernetes: {namespace: ml}
            """;

    private KubernetesProjects() {
    }

    static ProjectConfig load(Path dir, String train) {
        return load(dir, train, "print('accuracy=0.9')\n");
    }

    static ProjectConfig load(Path dir, String train, String trainPy) {
        TestProjects.write(dir.resolve("config.yaml"), """
                version: 1
                project:
                  name: demo
                model:
                  target: y
                train:
                """ + train.indent(2));
        TestProjects.write(dir.resolve("features.yaml"), "features:\n  - {name: x, type: float}\n");
        TestProjects.write(dir.resolve("train.py"), trainPy);
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    /** A training job as the trainer hands it to a backend, with its run directory written. */
    static TrainingJob job(ProjectConfig config, Path runRoot) throws IOException {
        RunDirectory dir = RunDirectory.create(runRoot);
        dir.writeConfig(config.train().hyperparameters(), List.copyOf(config.train().channels().keySet()));
        return new TrainingJob(RUN_ID, config, dir, config.train().command(), config.train().hyperparameters(),
                config.train().timeout());
    }
}
