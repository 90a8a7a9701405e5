package io.jenkins.plugins.cd4ml.library

import groovy.json.JsonSlurper
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Nested
import org.junit.jupiter.api.Test

import static org.assertj.core.api.Assertions.assertThat

class MlPipelineTest extends PipelineTestBase {

    static final Map VALID = [status: 'valid', project: 'iris-classifier']
    static final Map TRAINED = [run_id: 'iris-1', backend: 'local', model_version: '02617e97913e',
                                metrics: [accuracy: 0.9667, f1_macro: 0.9666],
                                manifest: [project: 'iris-classifier', version: '02617e97913e']]
    static final Map GATE = [status: 'passed', model_version: '02617e97913e']
    static final Map BUILT = [reference: 'localhost:5000/cd4ml/iris-classifier:0123456', builder: 'docker',
                              pushed: false, model_version: '02617e97913e']
    static final Map PUSHED = BUILT + [pushed: true, digest: 'sha256:' + 'ab' * 32]
    static final Map DEPLOYED = [release: 'iris-classifier', revision: 3, status: 'deployed']

    static final String PIPELINE = '''
        @Library('cd4ml') _
        mlPipeline(registryCredentialsId: 'registry', kubeconfigCredentialsId: 'kube')
    '''

    @BeforeEach
    void example() {
        copyExample()
        cliAnswers('validate', VALID)
        cliAnswers('train', TRAINED)
        cliAnswers('gate', GATE)
        cliAnswers('deploy', DEPLOYED)
    }

    String ws(String file) {
        return "'${workspace}@tmp/cd4ml/${file}'"
    }

    @Nested
    class OnThePullRequest {
        @Test
        void validatesTrainsGatesAndBuildsWithoutPushOrDeploy() {
            environment.BRANCH_NAME = 'PR-12'
            environment.CHANGE_ID = '12'
            cliAnswers('build-image', BUILT)

            runPipeline(PIPELINE)

            assertThat(cliCommands()).containsExactly(
                    "cd4ml validate --json '.' > ${ws('validate.json')}".toString(),
                    "cd4ml train --json --no-promote '.' > ${ws('train.json')}".toString(),
                    "cd4ml gate --json --model '02617e97913e' --promote '.' > ${ws('gate.json')}".toString(),
                    "cd4ml build-image --json --model '02617e97913e' --no-push '.' > ${ws('buildImage.json')}".toString())
            assertThat(calls('input')).isEmpty()
            assertThat(calls('properties')).isEmpty()
        }
    }

    @Nested
    class OnTheDefaultBranch {
        @Test
        void pushesWithTheRegistryCredentialsAndDeploysToStaging() {
            environment.BRANCH_NAME = 'main'
            cliAnswers('build-image', PUSHED)

            runPipeline(PIPELINE)

            List<String> commands = cliCommands()
            assertThat(commands[3]).isEqualTo(
                    "cd4ml build-image --json --model '02617e97913e' --push '.' > ${ws('buildImage.json')}".toString())
            assertThat(commands[4]).isEqualTo(("cd4ml deploy --json --environment 'staging' --image " +
                    "'localhost:5000/cd4ml/iris-classifier@${PUSHED.digest}' --model-version '02617e97913e' '.' > ${ws('deploy.json')}").toString())
            assertThat(commands).hasSize(5)
            Map push = shCalls.find { it.script.contains('build-image') }
            assertThat(push.env.CD4ML_REGISTRY_USERNAME).isEqualTo('user-of-registry')
            assertThat(push.env.CD4ML_REGISTRY_PASSWORD).isEqualTo('s3cret-password-of-registry')
            assertThat(push.env).doesNotContainKey('KUBECONFIG')
            Map deploy = shCalls.find { it.script.contains('cd4ml deploy') }
            assertThat(deploy.env.KUBECONFIG).endsWith('secretFiles/kube')
            assertThat(deploy.env).doesNotContainKey('CD4ML_REGISTRY_PASSWORD')
            shCalls.findAll { !it.script.contains('build-image') }.each {
                assertThat(it.env).doesNotContainKey('CD4ML_REGISTRY_PASSWORD')
            }
            assertNoSecretLeaked()
        }

        @Test
        void archivesTheResultsAndDescribesTheBuild() {
            environment.BRANCH_NAME = 'main'
            cliAnswers('build-image', PUSHED)

            runPipeline(PIPELINE)

            Map archived = calls('archiveArtifacts').last().args[0] as Map
            assertThat(archived.artifacts).isEqualTo('cd4ml-result.json,model.json')
            Map result = new JsonSlurper().parse(workspace.resolve('cd4ml-result.json').toFile()) as Map
            assertThat(result.build).isEqualTo('default')
            assertThat(result.stages.train.model_version).isEqualTo('02617e97913e')
            assertThat(result.stages.staging.revision).isEqualTo(3)
            Map manifest = new JsonSlurper().parse(workspace.resolve('model.json').toFile()) as Map
            assertThat(manifest.version).isEqualTo('02617e97913e')
            assertThat(currentBuild.description).isEqualTo(
                    "model 02617e97913e · accuracy=0.9667 · gate passed · image ${PUSHED.digest}".toString())
        }

        @Test
        void appliesProjectScheduleAsTheCronTrigger() {
            environment.BRANCH_NAME = 'main'
            cliAnswers('build-image', PUSHED)
            writeWorkspaceFile('config.yaml', workspace.resolve('config.yaml').text
                    .replace('# schedule: "H 3 * * 1"', 'schedule: "H 3 * * 1"'))

            runPipeline(PIPELINE)

            assertThat(calls('properties')).hasSize(1)
            assertThat(calls('properties')[0].args[0]).isEqualTo([[pipelineTriggers: [[cron: 'H 3 * * 1']]]])
        }

        @Test
        void asksBeforeProductionWhenToldTo() {
            environment.BRANCH_NAME = 'main'
            cliAnswers('build-image', PUSHED)
            List<Object> nodeDuringInput = []
            helper.registerAllowedMethod('input', [Map]) { Map args -> nodeDuringInput << environment.NODE_NAME }

            runPipeline('''
                @Library('cd4ml') _
                mlPipeline(production: 'input')
            ''')

            assertThat(calls('input')).hasSize(1)
            assertThat(String.valueOf((calls("input")[0].args[0] as Map).message)).isEqualTo(
                    'Deploy iris-classifier 02617e97913e (localhost:5000/cd4ml/iris-classifier:0123456) to production?')
            List<String> deploys = cliCommands().findAll { it.startsWith('cd4ml deploy') }
            assertThat(deploys).hasSize(2)
            assertThat(deploys[1]).contains("--environment 'production'")
            assertThat(nodeDuringInput).as('the approval waits outside any node').containsExactly([null] as Object[])
            assertThat(calls('node')).hasSize(2)
        }
    }

    @Nested
    class WhenTuning {
        static final Map TUNED = [status: 'succeeded', objective: 'f1_macro', goal: 'maximize', model_version: 'b0b0b0b0b0b0',
                                  trials: [[number: 0, status: 'completed', model_version: 'b0b0b0b0b0b0']],
                                  best: [number: 0, metrics: [accuracy: 0.95, f1_macro: 0.97], model_version: 'b0b0b0b0b0b0'],
                                  best_training: [model_version: 'b0b0b0b0b0b0', manifest: [version: 'b0b0b0b0b0b0']],
                                  gate: [model_version: 'b0b0b0b0b0b0', passed: true, status: 'passed', checks: []],
                                  promoted: 'b0b0b0b0b0b0']

        @Test
        void tunesInsteadOfTrainingAndUsesTheTunesOwnGate() {
            environment.BRANCH_NAME = 'feature/search'
            String report = "${workspace}/.cd4ml/runs/tune-1/report.html"
            writeWorkspaceFile(report, '<html><link rel="stylesheet" href="report.css"></html>')
            writeWorkspaceFile(report.replace('.html', '.css'), 'body {}')
            cliAnswers('tune', TUNED + [report: report])
            cliAnswers('build-image', BUILT + [model_version: 'b0b0b0b0b0b0'])

            runPipeline('''
                @Library('cd4ml') _
                mlPipeline(tune: true)
            ''')

            assertThat(cliCommands()).containsExactly(
                    "cd4ml validate --json '.' > ${ws('validate.json')}".toString(),
                    "cd4ml tune --json '.' > ${ws('tune.json')}".toString(),
                    "cd4ml build-image --json --model 'b0b0b0b0b0b0' --no-push '.' > ${ws('buildImage.json')}".toString())
            assertThat(currentBuild.description).isEqualTo(
                    "model b0b0b0b0b0b0 · f1_macro=0.97 · gate passed · image ${BUILT.reference}".toString())
            Map manifest = new JsonSlurper().parse(workspace.resolve('model.json').toFile()) as Map
            assertThat(manifest.version).isEqualTo('b0b0b0b0b0b0')
            assertThat((calls('archiveArtifacts').last().args[0] as Map).artifacts)
                    .isEqualTo('cd4ml-result.json,model.json,report.html,report.css')
            assertThat(workspace.resolve('report.html').text).contains('href="report.css"')
            assertThat(workspace.resolve('report.css').text).isEqualTo('body {}')
        }
    }

    @Nested
    class OnATag {
        @Test
        void deploysToProductionOnly() {
            environment.BRANCH_NAME = 'v1.2.0'
            environment.TAG_NAME = 'v1.2.0'
            cliAnswers('build-image', PUSHED)

            runPipeline(PIPELINE)

            List<String> deploys = cliCommands().findAll { it.startsWith('cd4ml deploy') }
            assertThat(deploys).hasSize(1)
            assertThat(deploys[0]).contains("--environment 'production'")
            assertThat(cliCommands().find { it.startsWith('cd4ml build-image') }).contains('--push')
        }
    }

    @Nested
    class OnAnotherBranch {
        @Test
        void neitherPushesNorDeploys() {
            environment.BRANCH_NAME = 'feature/deeper-trees'
            cliAnswers('build-image', BUILT)

            runPipeline(PIPELINE)

            assertThat(cliCommands().find { it.startsWith('cd4ml build-image') }).contains('--no-push')
            assertThat(cliCommands().findAll { it.startsWith('cd4ml deploy') }).isEmpty()
        }
    }

    @Nested
    class WhenTheEngineFails {
        @Test
        void aTrainingFailureFailsTheBuildWithTheEngineMessageAndStillArchives() {
            environment.BRANCH_NAME = 'main'
            shHandlers.removeAll { it[0].toString().contains('train') }
            cliAnswers('train', [status: 'error', exit_code: 1, error: [message: "training failed: train.py exited with 1",
                                                                       suggestion: 'read the training log above']], 1)

            String message = failureOf(PIPELINE)

            assertThat(message).isEqualTo('cd4ml train failed: training failed: train.py exited with 1\n' +
                    '  what to do: read the training log above')
            assertThat(cliCommands()).hasSize(2)
            assertThat(calls('archiveArtifacts')).hasSize(1)
        }

        @Test
        void aFailedGateStopsBeforeTheImageAndNamesTheMetrics() {
            environment.BRANCH_NAME = 'main'
            shHandlers.removeAll { it[0].toString().contains('gate') }
            cliAnswers('gate', [model_version: '02617e97913e', passed: false, status: 'failed', checks: [
                    [metric: 'accuracy', value: 0.85, rule: 'min 0.9', reference: 0.9, passed: false,
                     verdict: '0.05 below min 0.9'],
                    [metric: 'f1_macro', value: 0.95, rule: 'min 0.9', reference: 0.9, passed: true, verdict: 'passed']]], 1)

            String message = failureOf(PIPELINE)

            assertThat(message).isEqualTo('cd4ml gate failed: model 02617e97913e did not pass the quality gate\n' +
                    '  accuracy=0.85: 0.05 below min 0.9')
            assertThat(cliCommands().findAll { it.contains('build-image') }).isEmpty()
            assertThat(currentBuild.description).isEqualTo('model 02617e97913e · accuracy=0.9667')
        }

        @Test
        void rejectsAnUnknownProductionMode() {
            String message = failureOf('''
                @Library('cd4ml') _
                mlPipeline(production: 'always')
            ''')

            assertThat(message).isEqualTo("mlPipeline: production must be one of tag, input, never, not 'always'")
            assertThat(shCalls).isEmpty()
        }
    }
}
