package io.jenkins.plugins.cd4ml.library

import io.jenkins.plugins.cd4ml.TemporaryDirectory
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

import static org.assertj.core.api.Assertions.assertThat

/**
 * The library's CLI calls run for real: every sh step runs in bash against the packaged CLI jar
 * (target/cd4ml-*-cli.jar, built by the package phase) on a copy of examples/iris, so the command
 * lines the library writes and the --json documents it reads cannot drift from the CLI. Needs what
 * scripts/test prepares: /usr/bin/python3 with scikit-learn, the Docker daemon, the local registry
 * and the Python base image (variables in /var/lib/cd4ml-test/env).
 */
class LibraryCliIT extends PipelineTestBase {

    Path cliHome
    String registry
    String registryUser
    String registryPassword

    static String required(String name) {
        String value = System.getenv(name)
        if (!value) {
            throw new IllegalStateException("${name} is not set: run the tests with scripts/test, or export the " +
                    "variables of /var/lib/cd4ml-test/env (scripts/setup-env prepares them)")
        }
        return value
    }

    @BeforeEach
    void realCli() {
        Path jar = Paths.get(System.getProperty('cd4ml.cliJar', 'target/cd4ml-cli.jar'))
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no CLI jar at ${jar}: run 'mvn verify' (the package phase builds it) or " +
                    "'mvn -DskipTests package' first")
        }
        registry = required('CD4ML_TEST_REGISTRY')
        registryUser = required('CD4ML_TEST_REGISTRY_USER')
        registryPassword = Paths.get(required('CD4ML_TEST_REGISTRY_PASSWORD_FILE')).text.trim()
        cliHome = Files.createTempDirectory('cd4ml-home')
        Path launcher = cliHome.resolve('bin/cd4ml')
        Files.createDirectories(launcher.parent)
        launcher.text = "#!/bin/sh\nexec java -jar '${jar.toAbsolutePath()}' \"\$@\"\n"
        launcher.toFile().setExecutable(true)
        copyExample('model')
        environment.CD4ML_HOME = cliHome.toString()
        environment.CD4ML_BASE_IMAGE = required('CD4ML_TEST_BASE_IMAGE')
        onSh('.') { String script, Map call -> bash(script, call.env as Map) }
        // the test registry's real account, bound as Jenkins would bind a usernamePassword credential
        helper.registerAllowedMethod('withCredentials', [List, Closure]) { List bindings, Closure body ->
            Map saved = new HashMap(environment)
            bindings.each { Map b ->
                assert b.binding == 'usernamePassword' && b.credentialsId == 'test-registry'
                environment[b.usernameVariable] = registryUser
                environment[b.passwordVariable] = registryPassword
            }
            allSecrets << registryPassword
            try {
                return body()
            } finally {
                environment.clear()
                environment.putAll(saved)
            }
        }
    }

    @AfterEach
    void removeCliHome() {
        TemporaryDirectory.deleteQuietly(cliHome)
    }

    /** Runs a script as the sh step does: bash, in the workspace, with the build's environment. */
    int bash(String script, Map env) {
        ProcessBuilder pb = new ProcessBuilder('bash', '-euc', script).directory(workspace.toFile())
        env.each { k, v -> if (v != null) pb.environment().put(String.valueOf(k), String.valueOf(v)) }
        pb.redirectErrorStream(true)
        Path log = Files.createTempFile(cliHome, 'sh', '.log')
        try {
            pb.redirectOutput(log.toFile())
            Process p = pb.start()
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly()
                throw new IllegalStateException("sh step timed out: ${script}")
            }
            shLogs << log.text
            return p.exitValue()
        } finally {
            Files.deleteIfExists(log)
        }
    }

    List<String> shLogs = []

    @Test
    void validateTrainGateAndPushRunAgainstTheRealCli() {
        String tag = "it-${System.nanoTime()}"
        def results = runPipeline("""
            @Library('cd4ml') _
            node {
                results = [:]
                results.valid = cd4ml(operation: 'validate', dir: 'model')
                results.trained = trainModel(dir: 'model', hyperparameters: [max_depth: 3, n_estimators: 20])
                results.stored = trainModel(dir: 'model', promote: false, hyperparameters: [max_depth: 2, n_estimators: 10])
                results.gate = qualityGate(dir: 'model', model: results.trained.model_version)
                results.image = buildServingImage(dir: 'model', model: results.trained.model_version, push: true,
                        repository: '${registry}/cd4ml-it/iris', tag: '${tag}', builder: 'docker',
                        registryCredentialsId: 'test-registry')
            }
            return results
        """)

        assertThat(results.valid.status).isEqualTo('valid')
        assertThat(results.valid.project).isEqualTo('iris-classifier')
        Map trained = results.trained
        assertThat(trained.model_version).matches('[0-9a-f]{12}')
        assertThat(trained.manifest.hyperparameters).containsEntry('max_depth', '3').containsEntry('n_estimators', '20')
        assertThat(trained.metrics.accuracy as double).isGreaterThan(0.8d)
        assertThat(trained.promoted).isEqualTo(true)
        assertThat(results.stored.promoted).as('promote: false is cd4ml train --no-promote').isEqualTo(false)
        assertThat(results.stored.model_version).isNotEqualTo(trained.model_version)
        assertThat(cliCommands()[2]).contains(' train --json ', ' --no-promote ')
        assertThat(results.gate.status).isEqualTo('passed')
        assertThat(results.gate.model_version).isEqualTo(trained.model_version)
        assertThat(results.gate.checks.collect { it.metric }).contains('accuracy')
        Map image = results.image
        assertThat(image.reference).isEqualTo("${registry}/cd4ml-it/iris:${tag}".toString())
        assertThat(image.pushed).isEqualTo(true)
        assertThat(image.digest).startsWith('sha256:')
        assertThat(image.model_version).isEqualTo(trained.model_version)
        assertThat(cliCommands()[1]).isEqualTo("\"\$CD4ML_HOME/bin/cd4ml\" train --json --hyperparameter 'max_depth=3' " +
                "--hyperparameter 'n_estimators=20' 'model' > '${workspace}@tmp/cd4ml/train.json'".toString())
        assertNoSecretLeaked()
        shLogs.each { assertThat(it).doesNotContain(registryPassword) }
    }

    @Test
    void abortingTheShStepStopsTheCliAndTheTrainingItStarted() {
        Path pidFile = workspace.resolve('train.pid')
        workspace.resolve('model/train.py').text = '''import os, time
open(os.environ.get("PID_FILE"), "w").write(str(os.getpid()))
time.sleep(300)
'''
        environment.PID_FILE = pidFile.toString()
        shHandlers.clear()
        onSh('.') { String script, Map call ->
            // Jenkins aborts an sh step by sending SIGTERM to its process; the library's exec makes that the CLI's JVM
            ProcessBuilder pb = new ProcessBuilder('bash', '-euc', script).directory(workspace.toFile())
            (call.env as Map).each { k, v -> if (v != null) pb.environment().put(String.valueOf(k), String.valueOf(v)) }
            pb.redirectErrorStream(true).redirectOutput(workspace.resolve('../abort.log').toFile())
            Process p = pb.start()
            long deadline = System.currentTimeMillis() + 120_000
            while (!Files.exists(pidFile) && System.currentTimeMillis() < deadline && p.isAlive()) {
                Thread.sleep(200)
            }
            assert Files.exists(pidFile): "training never started: ${workspace.resolve('../abort.log').text}"
            Thread.sleep(500)
            p.destroy()
            assert p.waitFor(90, TimeUnit.SECONDS): 'the CLI did not stop within 90 s of SIGTERM'
            return p.exitValue()
        }

        String message = failureOf('''
            @Library('cd4ml') _
            node { trainModel(dir: 'model') }
        ''')

        long python = pidFile.text.trim() as long
        assertThat(Files.exists(Paths.get("/proc/${python}"))).as('the training process is gone').isFalse()
        assertThat(message).startsWith('cd4ml train failed')
        assertThat(workspace.resolve('../abort.log').text).containsIgnoringCase('stop')
    }

    @Test
    void anInvalidConfigFailsWithTheCliProblemsAtFileLineColumn() {
        Path config = workspace.resolve('model/config.yaml')
        config.text = config.text.replace('backend: local', 'backend: lokal')

        String message = failureOf("""
            @Library('cd4ml') _
            node { trainModel(dir: 'model') }
        """)

        assertThat(message).startsWith('cd4ml train failed: ')
        assertThat(message).containsPattern(/\n  \S*config\.yaml:\d+:\d+: train\.backend: /)
        assertThat(message).contains('lokal')
    }

    @Test
    void anOptionTheCliDoesNotKnowIsAUsageErrorPointingAtTheLog() {
        String message = failureOf("""
            @Library('cd4ml') _
            node { cd4ml(operation: 'train', dir: 'model', options: [noSuchOption: 'x']) }
        """)

        assertThat(message).isEqualTo('cd4ml train rejected its arguments (exit code 2); see its message in the log above')
        assertThat(shLogs[0]).contains('--no-such-option')
    }
}
