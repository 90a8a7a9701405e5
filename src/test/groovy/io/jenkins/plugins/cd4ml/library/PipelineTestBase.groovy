package io.jenkins.plugins.cd4ml.library

import org.opentest4j.AssertionFailedError
import com.lesfurets.jenkins.unit.BasePipelineTest
import com.lesfurets.jenkins.unit.MethodCall
import com.lesfurets.jenkins.unit.global.lib.LibraryConfiguration
import com.lesfurets.jenkins.unit.global.lib.SourceRetriever
import groovy.json.JsonOutput
import io.jenkins.plugins.cd4ml.TemporaryDirectory
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.regex.Pattern
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.yaml.snakeyaml.Yaml

/**
 * The shared base of the shared library's JenkinsPipelineUnit tests: loads this repository as the
 * Global Pipeline Library `cd4ml`, and registers the steps the library uses with mocks that record
 * what they were given. Files live in a real temporary workspace. `sh` is a catch-all: a command no
 * test expects fails the test. withCredentials puts fake secrets into the environment only inside
 * its block, so tests can check where secrets went. JenkinsPipelineUnit 1.1 has no declarative
 * support of its own; {@link #registerDeclarative} interprets the declarative subset the examples use.
 */
abstract class PipelineTestBase extends BasePipelineTest {

    static final Path REPOSITORY = Paths.get(System.getProperty('cd4ml.repo', '.')).toAbsolutePath().normalize()

    /** The agent's workspace (a real directory) and its @tmp sibling. */
    Path workspace
    Path scripts
    Map<String, Object> environment = [:]
    /** Every sh script, in order, and the environment it ran with. */
    List<Map> shCalls = []
    /** sh handlers: a pattern on the script and what it does (returns the exit status or stdout). */
    List<List> shHandlers = []
    /** The plugin's step when "installed": a closure taking the step's arguments. */
    Closure pluginStep = null
    List<Map> pluginCalls = []
    /** Secrets bound by withCredentials, by variable name, while their block runs. */
    Map<String, String> secretsBound = [:]
    List<String> allSecrets = []
    List<String> echoed = []
    List<String> containers = []
    Map currentBuild = [result: null, description: null, number: 7]

    @BeforeEach
    void setUpPipeline() throws Exception {
        workspace = Files.createTempDirectory('cd4ml-ws')
        Files.createDirectories(Paths.get(workspace.toString() + '@tmp'))
        scripts = Files.createTempDirectory('cd4ml-scripts')
        scriptRoots = [scripts.toString(), REPOSITORY.toString()] as String[]
        scriptExtension = ''
        super.setUp()
        environment.putAll([WORKSPACE: workspace.toString(), BUILD_NUMBER: '7', JOB_NAME: 'iris'])
        binding.setVariable('env', environment)
        binding.setVariable('currentBuild', currentBuild)
        binding.setVariable('scm', [type: 'git'])
        binding.setVariable('steps', new StepsDsl(this))
        helper.registerSharedLibrary(LibraryConfiguration.library().name('cd4ml')
                .retriever(new RepositoryRetriever()).targetPath(workspace.toString())
                .defaultVersion('main').allowOverride(true).implicit(false).build())
        registerCommonMocks()
    }

    @AfterEach
    void removeWorkspace() {
        // not File.deleteDir(): Groovy's follows symbolic links to directories
        if (workspace != null) {
            [workspace, Paths.get(workspace.toString() + '@tmp')].each { TemporaryDirectory.deleteQuietly(it) }
        }
        TemporaryDirectory.deleteQuietly(scripts)
    }

    /**
     * The library is this checkout's vars/, whatever version a script asks for. Only vars/ is
     * linked in: the checkout's src/ is the engine's Maven tree, not library classes.
     */
    static class RepositoryRetriever implements SourceRetriever {
        static final Path LIBRARY = linkVars()

        static Path linkVars() {
            Path dir = Files.createTempDirectory('cd4ml-library')
            Path vars = Files.createSymbolicLink(dir.resolve('vars'), REPOSITORY.resolve('vars'))
            // deleted at exit in the reverse order: the link (not what it points to), then the emptied directory
            dir.toFile().deleteOnExit()
            vars.toFile().deleteOnExit()
            return dir
        }

        @Override
        List<URL> retrieve(String repository, String branch, String targetPath) {
            return [LIBRARY.toUri().toURL()]
        }
    }

    /** What `steps.` reaches in a var: the plugin's cd4ml step when installed. */
    static class StepsDsl {
        final PipelineTestBase test

        StepsDsl(PipelineTestBase test) {
            this.test = test
        }

        def cd4ml(Map args) {
            test.helper.registerMethodCall(this, 1, 'steps.cd4ml', args)
            if (test.pluginStep == null) {
                throw new NoSuchMethodError("No such DSL method 'cd4ml' found among steps [archiveArtifacts, sh, ...]")
            }
            test.pluginCalls << args
            return test.pluginStep.call(args)
        }
    }

    void registerCommonMocks() {
        helper.registerAllowedMethod('sh', [String]) { String script -> runSh([script: script]) }
        helper.registerAllowedMethod('sh', [Map]) { Map args -> runSh(args) }
        helper.registerAllowedMethod('echo', [String]) { String text -> echoed << text }
        helper.registerAllowedMethod('error', [String]) { String message -> throw new PipelineError(message) }
        helper.registerAllowedMethod('pwd', []) { -> workspace.toString() }
        helper.registerAllowedMethod('pwd', [Map]) { Map args -> args.tmp ? workspace.toString() + '@tmp' : workspace.toString() }
        helper.registerAllowedMethod('fileExists', [String]) { String path -> Files.exists(resolve(path)) }
        helper.registerAllowedMethod('readFile', [String]) { String path -> readWorkspaceFile(path) }
        helper.registerAllowedMethod('readFile', [Map]) { Map args -> readWorkspaceFile(args.file) }
        helper.registerAllowedMethod('writeFile', [Map]) { Map args ->
            Path target = resolve(args.file)
            Files.createDirectories(target.parent)
            target.text = args.text
        }
        helper.registerAllowedMethod('readTrusted', [String]) { String path -> readWorkspaceFile(path) }
        helper.registerAllowedMethod('readYaml', [Map]) { Map args ->
            new Yaml().load(args.text != null ? args.text : readWorkspaceFile(args.file))
        }
        helper.registerAllowedMethod('dir', [String, Closure]) { String path, Closure body -> body() }
        helper.registerAllowedMethod('checkout', [Object]) { scm -> [GIT_COMMIT: '0123456789abcdef'] }
        helper.registerAllowedMethod('archiveArtifacts', [Map]) { Map args -> }
        helper.registerAllowedMethod('archiveArtifacts', [String]) { String pattern -> }
        helper.registerAllowedMethod('stage', [String, Closure]) { String name, Closure body -> body() }
        helper.registerAllowedMethod('node', [Closure]) { Closure body -> inNode('built-in', body) }
        helper.registerAllowedMethod('node', [String, Closure]) { String label, Closure body -> inNode(label, body) }
        helper.registerAllowedMethod('container', [String, Closure]) { String name, Closure body ->
            containers.push(name)
            try {
                return body()
            } finally {
                containers.pop()
            }
        }
        helper.registerAllowedMethod('podTemplate', [Map, Closure]) { Map args, Closure body ->
            String label = 'cd4ml-pod-' + (helper.methodCallCount('podTemplate'))
            Object previous = environment.POD_LABEL
            environment.POD_LABEL = label
            binding.setVariable('POD_LABEL', label)
            try {
                return body()
            } finally {
                environment.POD_LABEL = previous
            }
        }
        helper.registerAllowedMethod('usernamePassword', [Map]) { Map args -> [binding: 'usernamePassword'] + args }
        helper.registerAllowedMethod('file', [Map]) { Map args -> [binding: 'file'] + args }
        helper.registerAllowedMethod('aws', [Map]) { Map args -> [binding: 'aws'] + args }
        helper.registerAllowedMethod('withCredentials', [List, Closure]) { List bindings, Closure body ->
            Map<String, String> bound = [:]
            bindings.each { Map b ->
                String id = b.credentialsId
                switch (b.binding) {
                    case 'usernamePassword':
                        bound[b.usernameVariable] = "user-of-${id}".toString()
                        bound[b.passwordVariable] = "s3cret-password-of-${id}".toString()
                        break
                    case 'file':
                        bound[b.variable] = "${workspace}@tmp/secretFiles/${id}".toString()
                        break
                    case 'aws':
                        bound[b.accessKeyVariable] = "AKIA-of-${id}".toString()
                        bound[b.secretKeyVariable] = "s3cret-key-of-${id}".toString()
                        break
                    default:
                        throw new AssertionFailedError("unknown binding ${b}")
                }
            }
            allSecrets.addAll(bound.findAll { k, v -> !k.endsWith('USERNAME') && k != 'KUBECONFIG' }.values())
            Map<String, Object> saved = new HashMap<>(environment)
            environment.putAll(bound)
            secretsBound.putAll(bound)
            try {
                return body()
            } finally {
                environment.clear()
                environment.putAll(saved)
                bound.keySet().each { secretsBound.remove(it) }
            }
        }
        helper.registerAllowedMethod('properties', [List]) { List props -> }
        helper.registerAllowedMethod('pipelineTriggers', [List]) { List triggers -> [pipelineTriggers: triggers] }
        helper.registerAllowedMethod('cron', [String]) { String spec -> [cron: spec] }
        helper.registerAllowedMethod('input', [Map]) { Map args -> null }
        helper.registerAllowedMethod('timeout', [Map, Closure]) { Map args, Closure body -> body() }
    }

    Object inNode(String label, Closure body) {
        Object previous = environment.NODE_NAME
        environment.NODE_NAME = label
        try {
            return body()
        } finally {
            environment.NODE_NAME = previous
        }
    }

    // --- sh --------------------------------------------------------------------------------------

    /** Expects sh scripts matching {@code regex}; {@code handler} gets the script and returns the status/stdout. */
    void onSh(String regex, Closure handler) {
        shHandlers << [Pattern.compile(regex, Pattern.DOTALL), handler]
    }

    Object runSh(Map args) {
        String script = args.script
        Map call = [script: script, env: new LinkedHashMap(environment), container: containers ? containers.last() : null,
                    args: args]
        shCalls << call
        for (List h : shHandlers) {
            if (((Pattern) h[0]).matcher(script).find()) {
                Object outcome = ((Closure) h[1]).call(script, call)
                if (args.returnStatus) {
                    return outcome instanceof Integer ? outcome : 0
                }
                if (args.returnStdout) {
                    return String.valueOf(outcome)
                }
                if (outcome instanceof Integer && outcome != 0) {
                    throw new PipelineError("script returned exit code ${outcome}")
                }
                return null
            }
        }
        throw new AssertionFailedError("unexpected sh step: ${script}")
    }

    /**
     * Stands in for the CLI: answers `cd4ml SUBCOMMAND ... > FILE` by writing {@code result} (a Map,
     * as JSON) to FILE and returning {@code status}.
     */
    void cliAnswers(String subcommand, Map result, int status = 0) {
        onSh('(^|\\s)(exec )?\\S*cd4ml[\'"]? ' + Pattern.quote(subcommand) + ' --json') { String script, Map call ->
            if (result != null) {
                Path out = resultFileOf(script)
                Files.createDirectories(out.parent)
                out.text = JsonOutput.toJson(result)
            }
            return status
        }
    }

    static Path resultFileOf(String script) {
        def m = script =~ />\s*'([^']+)'\s*$/
        assert m.find(): "no result redirection in ${script}"
        return Paths.get(m.group(1))
    }

    /** The cd4ml command lines the library ran, without the mkdir/exec wrapping. */
    List<String> cliCommands() {
        return shCalls.collect { it.script as String }.findAll { it.contains(' --json') }
                .collect { it.readLines().last().replaceFirst(/^exec /, '') }
    }

    // --- files -----------------------------------------------------------------------------------

    Path resolve(String path) {
        Path p = Paths.get(path)
        return p.isAbsolute() ? p : workspace.resolve(path)
    }

    String readWorkspaceFile(String path) {
        Path p = resolve(path)
        if (!Files.exists(p)) {
            throw new FileNotFoundException("${path} (no such file in the workspace)")
        }
        return p.text
    }

    void writeWorkspaceFile(String path, String text) {
        Path p = resolve(path)
        Files.createDirectories(p.parent)
        p.text = text
    }

    /** Copies the iris example into the workspace at {@code into}. */
    void copyExample(String into = '.') {
        Path source = REPOSITORY.resolve('examples/iris')
        Path target = workspace.resolve(into).normalize()
        source.toFile().eachFileRecurse { File f ->
            Path rel = source.relativize(f.toPath())
            Path dest = target.resolve(rel.toString())
            if (f.isDirectory()) {
                Files.createDirectories(dest)
            } else {
                Files.createDirectories(dest.parent)
                Files.copy(f.toPath(), dest)
            }
        }
    }

    // --- running ---------------------------------------------------------------------------------

    /** Runs a Jenkinsfile given as text (with the library loaded). */
    Object runPipeline(String text) {
        Path file = Files.createTempFile(scripts, 'Jenkinsfile', '.groovy')
        file.text = text
        return runScript(file.fileName.toString())
    }

    /** Runs a pipeline that is expected to fail with error(...); returns the message. */
    String failureOf(String text) {
        try {
            runPipeline(text)
        } catch (PipelineError e) {
            return e.message
        }
        throw new AssertionFailedError('the pipeline did not fail')
    }

    List<MethodCall> calls(String name) {
        return helper.callStack.findAll { it.methodName == name }
    }

    /** Fails if any secret bound during the test shows up in a command line, an echo or the description. */
    void assertNoSecretLeaked() {
        allSecrets.each { String secret ->
            shCalls.each { assert !(it.script as String).contains(secret): "secret in sh: ${it.script}" }
            echoed.each { assert !it.contains(secret): "secret echoed: ${it}" }
            assert !String.valueOf(currentBuild.description).contains(secret)
        }
    }

    /** The error(...) step: a failed build, as Pipeline reports it. */
    static class PipelineError extends RuntimeException {
        PipelineError(String message) {
            super(message)
        }
    }
}
