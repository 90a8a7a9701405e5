package io.jenkins.plugins.cd4ml.library

import org.junit.jupiter.api.Test

import static org.assertj.core.api.Assertions.assertThat

class TrainModelTest extends PipelineTestBase {

    static final Map TRAINED = [run_id: 'iris-1', backend: 'local', job_id: 'pid-1', model_version: '02617e97913e',
                                model_uri: 'file:///ws/.cd4ml/models/iris-classifier/02617e97913e/model.tar.gz',
                                metrics: [accuracy: 0.9667]]

    @Test
    void runsTheCliWithJsonAndReturnsItsResult() {
        cliAnswers('train', TRAINED)

        def result = runPipeline('''
            @Library('cd4ml') _
            node { result = trainModel() }
            return result
        ''')

        assertThat(cliCommands()).containsExactly(
                "cd4ml train --json '.' > '${workspace}@tmp/cd4ml/train.json'".toString())
        assertThat(result.model_version).isEqualTo('02617e97913e')
        assertThat(result.metrics.accuracy).isEqualTo(0.9667)
    }

    @Test
    void passesOverridesAsOptions() {
        cliAnswers('train', TRAINED)

        runPipeline('''
            @Library('cd4ml') _
            node {
                trainModel(dir: 'examples/iris', config: 'ci.yaml', backend: 'docker', image: 'python:3.12',
                           hyperparameters: [max_depth: 6, criterion: 'gini'])
            }
        ''')

        assertThat(cliCommands()).containsExactly(("cd4ml train --json --config 'ci.yaml' --backend 'docker' " +
                "--image 'python:3.12' --hyperparameter 'max_depth=6' --hyperparameter 'criterion=gini' " +
                "'examples/iris' > '${workspace}@tmp/cd4ml/train.json'").toString())
    }

    @Test
    void promoteFalseStoresWithoutPromotingAndTrueIsTheCliDefault() {
        cliAnswers('train', TRAINED + [promoted: false])

        def result = runPipeline('''
            @Library('cd4ml') _
            node {
                stored = trainModel(promote: false)
                trainModel(promote: true)
            }
            return stored
        ''')

        assertThat(cliCommands()).containsExactly(
                "cd4ml train --json --no-promote '.' > '${workspace}@tmp/cd4ml/train.json'".toString(),
                "cd4ml train --json '.' > '${workspace}@tmp/cd4ml/train.json'".toString())
        assertThat(result.promoted).isEqualTo(false)
    }

    @Test
    void promoteFalseReachesThePluginStepAsItsOption() {
        pluginStep = { Map args -> TRAINED + [promoted: false] }

        runPipeline('''
            @Library('cd4ml') _
            node { trainModel(backend: 'local', promote: false) }
        ''')

        assertThat(pluginCalls).containsExactly([operation: 'train', options: [backend: 'local', promote: false]])
        assertThat(shCalls).isEmpty()
    }

    @Test
    void promoteMustBeABoolean() {
        String message = failureOf('''
            @Library('cd4ml') _
            node { trainModel(promote: 'no') }
        ''')

        assertThat(message).contains("trainModel: argument 'promote' must be a Boolean, not String")
        assertThat(shCalls).isEmpty()
    }

    @Test
    void rejectsUnknownArgumentsWithTheKnownOnes() {
        String message = failureOf('''
            @Library('cd4ml') _
            node { trainModel(bakend: 'docker', hyperparameters: 'max_depth=3') }
        ''')

        assertThat(message).contains("trainModel: unknown argument 'bakend' (did you mean 'backend'?); known arguments: backend, image")
        assertThat(message).contains("trainModel: argument 'hyperparameters' must be a Map, not String")
        assertThat(shCalls).isEmpty()
    }
}
