package io.jenkins.plugins.cd4ml.library

import io.jenkins.plugins.cd4ml.operation.Operation
import java.nio.file.Path
import org.opentest4j.AssertionFailedError
import org.junit.jupiter.api.Nested
import org.junit.jupiter.api.Test

import static org.assertj.core.api.Assertions.assertThat

/** vars/cd4ml.groovy: the one way to the engine (plugin step or CLI), credentials, containers, errors. */
class Cd4mlBridgeTest extends PipelineTestBase {

    static final Map BUILT = [reference: 'localhost:5000/cd4ml/iris-classifier:0123456', pushed: true,
                              digest: 'sha256:' + '12' * 32, model_version: '02617e97913e']

    String resultOf(String operation) {
        return "'${workspace}@tmp/cd4ml/${operation}.json'"
    }

    @Nested
    class WithThePluginInstalled {
        @Test
        void callsThePluginStepWithTheSameArgumentsAndRunsNoCli() {
            pluginStep = { Map args -> BUILT }

            def result = runPipeline('''
                @Library('cd4ml') _
                node {
                    result = buildServingImage(dir: 'model', push: true, baseImage: 'docker://base:1',
                                               registryCredentialsId: 'registry')
                }
                return result
            ''')

            assertThat(pluginCalls).containsExactly([operation: 'buildImage', dir: 'model', options:
                    [push: true, baseImage: 'docker://base:1'], registryCredentialsId: 'registry'])
            assertThat(result).isEqualTo(BUILT)
            assertThat(shCalls).isEmpty()
            assertThat(calls('withCredentials')).as('the plugin binds credentials itself').isEmpty()
        }

        @Test
        void passesThePluginOnlyArgumentsThroughAndKeepsJsonText() {
            pluginStep = { Map args -> '{"status":"valid"}' }

            def result = runPipeline('''
                @Library('cd4ml') _
                node { result = cd4ml(operation: 'validate', json: true, failOnError: false, archiveReport: false) }
                return result
            ''')

            assertThat(pluginCalls).containsExactly([operation: 'validate', json: true, failOnError: false,
                                                     archiveReport: false])
            assertThat(result).isEqualTo('{"status":"valid"}')
        }

        @Test
        void usePluginFalseGoesToTheCli() {
            pluginStep = { Map args -> throw new AssertionFailedError('the plugin must not be called') }
            cliAnswers('validate', [status: 'valid'])

            runPipeline('''
                @Library('cd4ml') _
                node { cd4ml(operation: 'validate', usePlugin: false) }
            ''')

            assertThat(cliCommands()).containsExactly("cd4ml validate --json '.' > ${resultOf('validate')}".toString())
            assertThat(pluginCalls).isEmpty()
        }
    }

    static Path stepSource() {
        return REPOSITORY.resolve('plugin/src/main/java/io/jenkins/plugins/cd4ml/pipeline/Cd4mlStep.java')
    }

    static Path bridgeSource() {
        return REPOSITORY.resolve('vars/cd4ml.groovy')
    }

    /**
     * The bridge and the plugin's step must not drift apart: the plugin is built outside the default
     * build, so its step is read from its source here (function name and argument list), and the
     * operations from the engine class the step itself uses ({@code operation.Operation}).
     */
    @Nested
    class AgreesWithThePluginStep {
        List<String> stepArguments() {
            String list = stepSource().text.find(/(?s)List<String> ARGUMENTS = List\.of\((.*?)\);/) { all, body -> body }
            assert list != null: "no ARGUMENTS list in ${stepSource()}"
            return (list =~ /"([^"]+)"/).collect { it[1] as String }
        }

        @Test
        void callsTheStepByItsFunctionName() {
            String name = stepSource().text.find(/(?s)getFunctionName\(\) \{\s*return "([^"]+)";/) { all, n -> n }
            assertThat(name).isEqualTo('cd4ml')
            assertThat(bridgeSource().text).contains("steps.${name}(stepArgs)".toString())
        }

        @Test
        void passesEveryArgumentOfTheStepByItsOwnName() {
            pluginStep = { Map args -> [status: 'valid'] }

            runPipeline('''
                @Library('cd4ml') _
                node {
                    cd4ml(operation: 'validate', dir: 'model', config: 'ci/config.yaml', options: [backend: 'local'],
                          registryCredentialsId: 'registry', kubeconfigCredentialsId: 'kube', awsCredentialsId: 'aws',
                          json: false, failOnError: false, archiveReport: false,
                          container: 'cd4ml', cd4mlHome: '/opt/cd4ml', usePlugin: true)
                }
            ''')

            assertThat(pluginCalls).hasSize(1)
            assertThat(pluginCalls[0].keySet() as List).as('the bridge-only arguments stay in the library')
                    .containsExactlyInAnyOrderElementsOf(stepArguments())
        }

        @Test
        void reachesEveryOperationOfTheStepUnderItsNameAndTheCliUnderItsCommand() {
            pluginStep = { Map args -> [status: 'ok'] }
            List<String> names = Operation.values().collect { it.stepName() }
            Operation.values().each { cliAnswers(it.cliName(), [status: 'ok']) }

            String calls = names.collect { "cd4ml(operation: '${it}')\ncd4ml(operation: '${it}', usePlugin: false)" }
                    .join('\n')
            runPipeline("""
                @Library('cd4ml') _
                node {
                    ${calls}
                }
            """)

            assertThat(pluginCalls.collect { it.operation }).containsExactlyElementsOf(names)
            assertThat(cliCommands().collect { it.split(' ')[1] })
                    .containsExactlyElementsOf(Operation.values().collect { it.cliName() })
        }
    }

    @Nested
    class WithoutThePlugin {
        @Test
        void triesThePluginStepOnceThenRunsTheCliAsTheJvmOfTheShStep() {
            cliAnswers('validate', [status: 'valid', project: 'iris-classifier'])

            def result = runPipeline('''
                @Library('cd4ml') _
                node { result = cd4ml(operation: 'validate', dir: 'examples/iris') }
                return result
            ''')

            assertThat(calls('steps.cd4ml')).hasSize(1)
            assertThat(result.project).isEqualTo('iris-classifier')
            Map sh = shCalls[0]
            assertThat(sh.script as String).isEqualTo("mkdir -p '${workspace}@tmp/cd4ml'\nexec cd4ml validate --json " +
                    "'examples/iris' > ${resultOf('validate')}".toString())
            assertThat(sh.args.returnStatus).isEqualTo(true)
        }

        @Test
        void camelCaseOperationsAndOptionsBecomeTheCliSpelling() {
            cliAnswers('abort-canary', [status: 'aborted'])

            runPipeline('''
                @Library('cd4ml') _
                node { cd4ml(operation: 'abortCanary', options: [environment: 'production', kubeContext: 'prod-eu']) }
            ''')

            assertThat(cliCommands()).containsExactly(("cd4ml abort-canary --json --environment 'production' " +
                    "--kube-context 'prod-eu' '.' > ${resultOf('abortCanary')}").toString())
        }

        @Test
        void findsTheCliInCd4mlHomeOrTheArgument() {
            cliAnswers('validate', [status: 'valid'])
            environment.CD4ML_HOME = '/opt/cd4ml'

            runPipeline('''
                @Library('cd4ml') _
                node {
                    cd4ml(operation: 'validate')
                    cd4ml(operation: 'validate', cd4mlHome: '/srv/cd4ml it')
                }
            ''')

            assertThat(cliCommands()).containsExactly(
                    "\"\$CD4ML_HOME/bin/cd4ml\" validate --json '.' > ${resultOf('validate')}".toString(),
                    "'/srv/cd4ml it/bin/cd4ml' validate --json '.' > ${resultOf('validate')}".toString())
        }

        @Test
        void runsInTheCd4mlContainerOnKubernetesAgents() {
            cliAnswers('train', [model_version: 'abc'])

            runPipeline('''
                @Library('cd4ml') _
                podTemplate(yaml: 'kind: Pod') {
                    node(POD_LABEL) {
                        trainModel()
                        trainModel(container: 'train')
                        trainModel(container: '')
                    }
                }
                node { trainModel() }
            ''')

            assertThat(shCalls.collect { it.container }).containsExactly('cd4ml', 'train', null, null)
        }

        @Test
        void bindsEachCredentialOnlyAroundItsOwnCommandAndNeverOnTheCommandLine() {
            cliAnswers('train', [model_version: 'abc'])
            cliAnswers('build-image', BUILT)

            runPipeline('''
                @Library('cd4ml') _
                node {
                    trainModel(backend: 'sagemaker', awsCredentialsId: 'aws-ml')
                    buildServingImage(push: true, registryCredentialsId: 'registry')
                    echo 'done'
                }
            ''')

            Map train = shCalls[0].env as Map
            assertThat(train.AWS_ACCESS_KEY_ID).isEqualTo('user-of-aws-ml')
            assertThat(train.AWS_SECRET_ACCESS_KEY).isEqualTo('s3cret-password-of-aws-ml')
            assertThat(train).doesNotContainKeys('CD4ML_REGISTRY_USERNAME', 'CD4ML_REGISTRY_PASSWORD')
            Map build = shCalls[1].env as Map
            assertThat(build.CD4ML_REGISTRY_PASSWORD).isEqualTo('s3cret-password-of-registry')
            assertThat(build).doesNotContainKeys('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY')
            assertThat(environment).doesNotContainKeys('AWS_SECRET_ACCESS_KEY', 'CD4ML_REGISTRY_PASSWORD')
            assertThat(calls('usernamePassword')[0].args[0]).as('the credential type the plugin step takes too')
                    .isEqualTo([credentialsId: 'aws-ml', usernameVariable: 'AWS_ACCESS_KEY_ID',
                                passwordVariable: 'AWS_SECRET_ACCESS_KEY'])
            assertThat(allSecrets).hasSize(3)
            assertNoSecretLeaked()
        }
    }

    @Nested
    class Failures {
        @Test
        void anInvalidConfigFailsWithEveryProblemAtFileLineColumn() {
            cliAnswers('validate', [status: 'error', exit_code: 2, error: [
                    message: 'config.yaml has 2 problems',
                    problems: [[file: 'config.yaml', line: 14, column: 5, setting: 'train.backend',
                                message: "'lokal' is not a backend; expected one of local, docker, kubernetes, sagemaker"],
                               [file: 'config.yaml', line: 3, column: 1, setting: 'projekt',
                                message: "unknown key (did you mean 'project'?)"]]]], 2)

            String message = failureOf('''
                @Library('cd4ml') _
                node { cd4ml(operation: 'validate') }
            ''')

            assertThat(message).isEqualTo('''cd4ml validate failed: config.yaml has 2 problems
  config.yaml:14:5: train.backend: 'lokal' is not a backend; expected one of local, docker, kubernetes, sagemaker
  config.yaml:3:1: projekt: unknown key (did you mean 'project'?)''')
        }

        @Test
        void aRolledBackDeployFailsWithTheReasonTheRevisionAndEachProblem() {
            cliAnswers('deploy', [operation: 'upgrade', environment: 'staging', target: 'helm', release: 'iris-classifier',
                                  namespace: 'ml-staging', revision: 4, status: 'rolled-back', rolled_back_to: 3,
                                  error: 'the rollout did not become ready within 5m',
                                  problems: [[object: 'pod/iris-classifier-7d9f', container: 'model', reason: 'CrashLoopBackOff',
                                              message: 'back-off restarting failed container', log_tail: ['boom']]]], 1)

            String message = failureOf('''
                @Library('cd4ml') _
                node { helmDeploy(environment: 'staging', image: 'r/iris@sha256:00', kubeconfigCredentialsId: 'kube') }
            ''')

            assertThat(message).isEqualTo('cd4ml deploy failed: the rollout did not become ready within 5m\n' +
                    '  rolled back to revision 3\n' +
                    '  pod/iris-classifier-7d9f model CrashLoopBackOff: back-off restarting failed container')
            assertThat(cliCommands()).containsExactly(("cd4ml deploy --json --environment 'staging' --image 'r/iris@sha256:00' " +
                    "'.' > ${resultOf('deploy')}").toString())
        }

        @Test
        void failOnErrorFalseReturnsTheEngineDocumentInstead() {
            cliAnswers('gate', [model_version: 'abc', passed: false, status: 'failed', checks: []], 1)

            def result = runPipeline('''
                @Library('cd4ml') _
                node { result = qualityGateResult = cd4ml(operation: 'gate', failOnError: false) }
                return result
            ''')

            assertThat(result.status).isEqualTo('failed')
        }

        @Test
        void anOperationThisCliLacksFailsSayingSo() {
            onSh(/cd4ml deploy --json/) { String script, Map call -> 2 }
            onSh(/cd4ml deploy --help/) { String script, Map call -> 2 }

            String message = failureOf('''
                @Library('cd4ml') _
                node { helmDeploy(environment: 'staging') }
            ''')

            assertThat(message).isEqualTo("cd4ml: this cd4ml (cd4ml) has no 'deploy' command, so the deploy " +
                    "operation cannot run; use a cd4ml version that has it (see 'cd4ml --help')")
            assertThat(shCalls[1].script).isEqualTo('cd4ml deploy --help > /dev/null 2>&1')
        }

        @Test
        void aUsageErrorOfAKnownCommandPointsAtTheLog() {
            onSh(/cd4ml tune --json/) { String script, Map call -> 2 }
            onSh(/cd4ml tune --help/) { String script, Map call -> 0 }

            String message = failureOf('''
                @Library('cd4ml') _
                node { tuneModel(backend: 'docker') }
            ''')

            assertThat(message).isEqualTo('cd4ml tune rejected its arguments (exit code 2); see its message in the log above')
        }

        @Test
        void anUnknownOperationIsRejectedBeforeAnythingRuns() {
            String message = failureOf('''
                @Library('cd4ml') _
                node { cd4ml(operation: 'trian') }
            ''')

            assertThat(message).isEqualTo("cd4ml: unknown operation 'trian' (did you mean 'train'?); known operations: " +
                    'validate, train, tune, gate, buildImage, deploy, rollback, promote, abortCanary, history, run')
            assertThat(shCalls).isEmpty()
            assertThat(pluginCalls).isEmpty()
        }

        @Test
        void aStepThatIsNotThePluginsMissingStillFails() {
            pluginStep = { Map args -> throw new NoSuchMethodError("No such DSL method 'withAWS' found among steps") }

            try {
                runPipeline('''
                    @Library('cd4ml') _
                    node { cd4ml(operation: 'validate') }
                ''')
                throw new AssertionFailedError('expected the failure to propagate')
            } catch (NoSuchMethodError e) {
                assertThat(e.message).contains('withAWS')
            }
            assertThat(shCalls).isEmpty()
        }
    }
}
