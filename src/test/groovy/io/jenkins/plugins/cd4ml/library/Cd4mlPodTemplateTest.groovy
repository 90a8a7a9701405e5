package io.jenkins.plugins.cd4ml.library

import org.junit.jupiter.api.Test
import org.yaml.snakeyaml.Yaml

import static org.assertj.core.api.Assertions.assertThat

class Cd4mlPodTemplateTest extends PipelineTestBase {

    static final String GPU_CONFIG = '''\
version: 1
project: {name: iris-classifier}
model: {features: features.yaml, target: species}
train:
  backend: local
  entrypoint: train.py
  image: ${TRAIN_IMAGE:-registry.example.com/ml/train:1}
  channels: {train: data/iris.csv}
  resources: {cpu: 4, memory: 16Gi, gpu: 2}
  kubernetes:
    service_account: trainer
    node_selector: {accelerator: nvidia-a10}
    tolerations:
      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      - {key: team, value: ml, effect: NoExecute, toleration_seconds: 60}
    secrets: [ml-data]
    env: {OMP_NUM_THREADS: "4", DATA_BUCKET: "${BUCKET}"}
'''

    Map podOf(String yaml) {
        return new Yaml().load(yaml) as Map
    }

    @Test
    void buildsTheTrainingAndCd4mlContainersFromConfigYaml() {
        writeWorkspaceFile('model/config.yaml', GPU_CONFIG)
        environment.BUCKET = 's3://data'

        String yaml = runPipeline('''
            @Library('cd4ml') _
            return cd4mlPodTemplate(dir: 'model', cliImage: 'registry.example.com/cd4ml/cli:0.1')
        ''')

        Map pod = podOf(yaml)
        assertThat(pod.kind).isEqualTo('Pod')
        assertThat(pod.spec.serviceAccountName).isEqualTo('trainer')
        assertThat(pod.spec.nodeSelector).isEqualTo([accelerator: 'nvidia-a10'])
        assertThat(pod.spec.tolerations).isEqualTo([
                [key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule'],
                [key: 'team', operator: 'Equal', value: 'ml', effect: 'NoExecute', tolerationSeconds: 60]])
        assertThat(pod.spec.containers.collect { it.name }).containsExactly('cd4ml', 'train')
        Map cli = pod.spec.containers[0]
        assertThat(cli.image).isEqualTo('registry.example.com/cd4ml/cli:0.1')
        assertThat(cli.command + cli.args).isEqualTo(['sleep', 'infinity'])
        Map train = pod.spec.containers[1]
        assertThat(train.image).isEqualTo('registry.example.com/ml/train:1')
        assertThat(train.resources).isEqualTo([requests: [cpu: '4', memory: '16Gi'],
                                               limits  : [cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '2']])
        assertThat(train.env).isEqualTo([[name: 'OMP_NUM_THREADS', value: '4'], [name: 'DATA_BUCKET', value: 's3://data']])
        assertThat(train.envFrom).isEqualTo([[secretRef: [name: 'ml-data']]])
        assertThat(pod.metadata.labels).containsEntry('app.kubernetes.io/instance', 'iris-classifier')
    }

    @Test
    void readsConfigFromTheBuildsScmOutsideANodeAndFromTheWorkspaceInside() {
        writeWorkspaceFile('config.yaml', GPU_CONFIG)
        environment.BUCKET = 'b'

        runPipeline('''
            @Library('cd4ml') _
            cd4mlPodTemplate()
            node { cd4mlPodTemplate() }
        ''')

        assertThat(calls('readTrusted').collect { it.args[0] }).containsExactly('config.yaml')
        assertThat(calls('readFile').collect { it.args[0] }).containsExactly('config.yaml')
    }

    @Test
    void withoutGpuOrTrainingContainerTheSpecStaysMinimal() {
        copyExample()

        String yaml = runPipeline('''
            @Library('cd4ml') _
            return cd4mlPodTemplate(trainContainer: false)
        ''')

        Map pod = podOf(yaml)
        assertThat(pod.spec.keySet()).containsExactly('containers')
        assertThat(pod.spec.containers.collect { it.name }).containsExactly('cd4ml')
        assertThat(pod.spec.containers[0].image).isEqualTo('cd4ml/cli:latest')
    }

    @Test
    void theExamplesTrainingImageFollowsItsEnvironmentDefault() {
        copyExample()

        Map pod = podOf(runPipeline('''
            @Library('cd4ml') _
            return cd4mlPodTemplate()
        ''') as String)

        assertThat(pod.spec.containers[1].image).isEqualTo('python:3.11-slim')
        assertThat(pod.spec.containers[1]).doesNotContainKey('resources')
    }

    @Test
    void anUnsetVariableWithoutDefaultFailsWithWhereItIsUsed() {
        writeWorkspaceFile('config.yaml', GPU_CONFIG)

        String message = failureOf('''
            @Library('cd4ml') _
            cd4mlPodTemplate()
        ''')

        assertThat(message).isEqualTo('cd4mlPodTemplate: config.yaml: train.kubernetes.env.DATA_BUCKET: environment ' +
                'variable BUCKET is not set; set it, or give a default with ${BUCKET:-value}')
    }

    @Test
    void aMissingConfigFailsWithItsPath() {
        String message = failureOf('''
            @Library('cd4ml') _
            node { cd4mlPodTemplate(dir: 'nowhere') }
        ''')

        assertThat(message).startsWith('cd4mlPodTemplate: cannot read nowhere/config.yaml: ')
    }
}
