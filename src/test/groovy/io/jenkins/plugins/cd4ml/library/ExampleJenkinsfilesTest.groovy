package io.jenkins.plugins.cd4ml.library

import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.yaml.snakeyaml.Yaml

import static org.assertj.core.api.Assertions.assertThat

/** examples/iris/Jenkinsfile and Jenkinsfile.steps, loaded as they are and run. */
class ExampleJenkinsfilesTest extends PipelineTestBase {

    static final Map TRAINED = [model_version: '02617e97913e', metrics: [accuracy: 0.9667],
                                manifest: [version: '02617e97913e']]
    static final Map PUSHED = [reference: 'localhost:5000/cd4ml/iris-classifier:0123456', pushed: true,
                               digest: 'sha256:' + 'cd' * 32, model_version: '02617e97913e']

    @BeforeEach
    void checkout() {
        DeclarativePipeline.register(this)
        copyExample('examples/iris')
        environment.BRANCH_NAME = 'main'
        cliAnswers('validate', [status: 'valid'])
        cliAnswers('train', TRAINED)
        cliAnswers('tune', [status: 'succeeded', model_version: '02617e97913e', objective: 'accuracy',
                            best: [metrics: [accuracy: 0.9667], model_version: '02617e97913e'], trials: []])
        cliAnswers('gate', [status: 'passed'])
        cliAnswers('build-image', PUSHED)
        cliAnswers('deploy', [release: 'iris-classifier', revision: 1])
    }

    String result(String operation) {
        return "'${workspace}@tmp/cd4ml/${operation}.json'"
    }

    @Test
    void theDeclarativeJenkinsfileRunsTheWholeFlowWithTheCheckoutsCli() {
        runScript('examples/iris/Jenkinsfile')

        assertThat(cliCommands()).containsExactly(
                "'./bin/cd4ml' validate --json 'examples/iris' > ${result('validate')}".toString(),
                "'./bin/cd4ml' train --json --no-promote 'examples/iris' > ${result('train')}".toString(),
                "'./bin/cd4ml' gate --json --model '02617e97913e' --promote 'examples/iris' > ${result('gate')}".toString(),
                "'./bin/cd4ml' build-image --json --model '02617e97913e' --push 'examples/iris' > ${result('buildImage')}".toString(),
                ("'./bin/cd4ml' deploy --json --environment 'staging' --image " +
                        "'localhost:5000/cd4ml/iris-classifier@${PUSHED.digest}' --model-version '02617e97913e' 'examples/iris' > ${result('deploy')}").toString())
        assertThat(calls('checkout')).hasSize(1)
        assertThat(shCalls.find { it.script.contains('build-image') }.env.CD4ML_REGISTRY_USERNAME).isEqualTo('user-of-cd4ml-registry')
        assertThat(shCalls.find { it.script.contains(' deploy ') }.env.KUBECONFIG).endsWith('/cd4ml-kubeconfig')
        assertNoSecretLeaked()
    }

    @Test
    void theStepsJenkinsfileRunsEachStepInTheCd4mlContainerOfThePodFromConfigYaml() {
        runScript('examples/iris/Jenkinsfile.steps')

        Map pod = new Yaml().load(calls('podTemplate')[0].args[0].yaml as String) as Map
        assertThat(pod.spec.containers.collect { it.name }).containsExactly('cd4ml', 'train')
        assertThat(pod.spec.containers[0].image).isEqualTo('registry.example.com/cd4ml/cli:0.1')
        assertThat(pod.spec.containers[1].image).isEqualTo('python:3.11-slim')
        assertThat(calls('readTrusted').collect { it.args[0] }).as('read before the pod exists')
                .containsExactly('examples/iris/config.yaml')
        assertThat(cliCommands()).containsExactly(
                "cd4ml train --json --hyperparameter 'n_estimators=200' --no-promote 'examples/iris' > ${result('train')}".toString(),
                "cd4ml gate --json --model '02617e97913e' --promote 'examples/iris' > ${result('gate')}".toString(),
                "cd4ml build-image --json --model '02617e97913e' --push 'examples/iris' > ${result('buildImage')}".toString(),
                ("cd4ml deploy --json --environment 'staging' --image " +
                        "'localhost:5000/cd4ml/iris-classifier:0123456@${PUSHED.digest}' --model-version '02617e97913e' 'examples/iris' > ${result('deploy')}").toString())
        assertThat(shCalls.collect { it.container }.unique()).containsExactly('cd4ml')
        assertThat(echoed).contains('model 02617e97913e')
        assertThat(calls('archiveArtifacts')).hasSize(1)
    }

    @Test
    void theStepsJenkinsfileTunesWhenAskedAndDeploysOnlyFromMain() {
        environment.BRANCH_NAME = 'feature/x'
        binding.setVariable('params', [TUNE: true])

        runScript('examples/iris/Jenkinsfile.steps')

        assertThat(cliCommands()[0] as String).startsWith('cd4ml tune --json ')
        assertThat(cliCommands().find { it.contains('build-image') }).contains('--no-push')
        assertThat(cliCommands().findAll { it.contains(' deploy ') }).isEmpty()
    }
}
