// The one way every cd4ml step reaches the engine: the cd4ml plugin's `cd4ml` step when the plugin
// is installed, else the cd4ml CLI with --json (in the pod's `cd4ml` container on Kubernetes agents,
// else from CD4ML_HOME or the PATH). Also holds the argument checks the other steps share.
//
// CPS notes: steps are called only from CPS methods; @NonCPS marks pure helpers that call none.

import groovy.json.JsonSlurperClassic
import groovy.transform.Field

/** Engine operations (spelled as the plugin's step spells them) and the CLI subcommand of each. */
@Field static final Map<String, String> OPERATIONS = [
        validate  : 'validate',
        train     : 'train',
        tune      : 'tune',
        gate      : 'gate',
        buildImage: 'build-image',
        deploy     : 'deploy',
        rollback   : 'rollback',
        promote    : 'promote',
        abortCanary: 'abort-canary',
        history    : 'history',
        run        : 'run',
]

/** Options whose CLI spelling is not simply the kebab-case of the Jenkinsfile one. */
@Field static final Map<String, String> CLI_OPTION_NAMES = [hyperparameters: 'hyperparameter']

/** The arguments of cd4ml(...) itself, with their types. */
@Field static final Map<String, Class> ARGUMENTS = [
        operation              : String,
        dir                    : String,
        config                 : String,
        options                : Map,
        container              : String,
        cd4mlHome              : String,
        usePlugin              : Boolean,
        registryCredentialsId  : String,
        kubeconfigCredentialsId: String,
        awsCredentialsId       : String,
        json                   : Boolean,
        failOnError            : Boolean,
        archiveReport          : Boolean,
]

/** Arguments every step passes through to cd4ml(...) unchanged. */
@Field static final Map<String, Class> COMMON_ARGUMENTS = [
        dir      : String,
        config   : String,
        container: String,
        cd4mlHome: String,
        usePlugin: Boolean,
]

/**
 * Runs one engine operation and returns its result as a Map (the fields of the CLI's --json).
 * A failure becomes error(...) with the engine's message.
 */
def call(Map args = [:]) {
    checkArguments('cd4ml', args, ARGUMENTS)
    String operation = args.operation
    if (!operation) {
        error("cd4ml: the argument 'operation' is required; one of ${OPERATIONS.keySet().join(', ')}")
    }
    if (!OPERATIONS.containsKey(operation)) {
        error("cd4ml: unknown operation '${operation}'${suggestion(operation, OPERATIONS.keySet())}; " +
                "known operations: ${OPERATIONS.keySet().join(', ')}")
    }
    if (args.usePlugin != false) {
        def viaPlugin = runPluginStep(args)
        if (viaPlugin != null) {
            return viaPlugin
        }
    }
    return withCredentialsOf(args) {
        inContainerOf(args) {
            runCli(args)
        }
    }
}

/**
 * Rejects arguments a step does not know (with the list of known ones and a "did you mean") and
 * arguments of the wrong type, all at once.
 */
void checkArguments(String step, Map args, Map<String, Class> known) {
    List<String> problems = argumentProblems(step, args, known)
    if (problems) {
        error(problems.join('\n'))
    }
}

/** The map without its null values. */
@NonCPS
static Map compact(Map map) {
    return map.findAll { k, v -> v != null }
}

/** The arguments of {@code args} that {@code keys} names, for passing on. */
@NonCPS
static Map pick(Map args, Collection keys) {
    Map picked = [:]
    args.each { k, v ->
        if (keys.contains(k) && v != null) {
            picked[k] = v
        }
    }
    return picked
}

// --- the plugin ------------------------------------------------------------------------------

/** Runs the plugin's step; null when the plugin is not installed. */
def runPluginStep(Map args) {
    Map stepArgs = pick(args, ['operation', 'dir', 'config', 'options', 'registryCredentialsId',
                               'kubeconfigCredentialsId', 'awsCredentialsId', 'json', 'failOnError', 'archiveReport'])
    def result
    try {
        // `steps.` reaches the plugin's step even though this library's own global variable has
        // the same name; a missing step is Pipeline's NoSuchMethodError "No such DSL method".
        result = steps.cd4ml(stepArgs)
    } catch (NoSuchMethodError missing) {
        if (isMissingStep(missing)) {
            return null
        }
        throw missing
    }
    if (args.json) {
        return result
    }
    return result instanceof Map ? result : parseJson(String.valueOf(result))
}

@NonCPS
static boolean isMissingStep(Throwable e) {
    return String.valueOf(e.message).contains("No such DSL method 'cd4ml'")
}

// --- the CLI ---------------------------------------------------------------------------------

Map runCli(Map args) {
    String operation = args.operation
    String subcommand = OPERATIONS[operation]
    String cli = cliCommand(args)
    String resultFile = "${pwd(tmp: true)}/cd4ml/${operation}.json"
    String command = cliLine(cli, subcommand, args, resultFile)
    // exec: the JVM replaces the shell, so an aborted build's SIGTERM reaches the CLI directly,
    // which then stops what it started (jobs, containers) before it exits.
    int status = sh(script: "mkdir -p ${quote(parentOf(resultFile))}\nexec ${command}", returnStatus: true)
    String text = fileExists(resultFile) ? readFile(resultFile).trim() : ''
    Map result = text ? parseJson(text) : null
    if (result != null && (status == 0 || args.failOnError == false)) {
        return args.json ? text : result
    }
    if (result != null) {
        error(failureMessage(operation, status, result))
    }
    if (status == 2) {
        int known = sh(script: "${cli} ${subcommand} --help > /dev/null 2>&1", returnStatus: true)
        if (known != 0) {
            error("cd4ml: this cd4ml (${cli}) has no '${subcommand}' command, so the ${operation} operation " +
                    "cannot run; use a cd4ml version that has it (see 'cd4ml --help')")
        }
        error("cd4ml ${subcommand} rejected its arguments (exit code 2); see its message in the log above")
    }
    error("cd4ml ${subcommand} ended with exit code ${status} and no result; see the log above")
}

/** How to start the CLI: cd4mlHome argument, then CD4ML_HOME, then the PATH. */
String cliCommand(Map args) {
    if (args.cd4mlHome) {
        return quote("${args.cd4mlHome}/bin/cd4ml")
    }
    if (env.CD4ML_HOME) {
        return '"$CD4ML_HOME/bin/cd4ml"'
    }
    return 'cd4ml'
}

/** The whole command line: no secret is ever on it (they travel in the environment). */
@NonCPS
static String cliLine(String cli, String subcommand, Map args, String resultFile) {
    List<String> words = [cli, subcommand, '--json']
    if (args.config) {
        words << '--config' << quote(args.config)
    }
    (args.options ?: [:]).each { String name, value ->
        words.addAll(optionWords(cliOptionName(name), value))
    }
    words << quote(args.dir ?: '.')
    return words.join(' ') + ' > ' + quote(resultFile)
}

/** The CLI's long option for a Jenkinsfile-spelled one: baseImage -> base-image. */
@NonCPS
static String cliOptionName(String name) {
    return CLI_OPTION_NAMES[name] ?: name.replaceAll(/([a-z0-9])([A-Z])/, '$1-$2').toLowerCase()
}

/** One option as CLI words: --name 'value', a flag for true, --no-name for false, repeated for maps and lists. */
@NonCPS
static List<String> optionWords(String name, value) {
    if (value == null) {
        return []
    }
    if (value instanceof Boolean) {
        return [value ? "--${name}".toString() : "--no-${name}".toString()]
    }
    if (value instanceof Map) {
        return value.collectMany { k, v -> ["--${name}".toString(), quote("${k}=${v}")] }
    }
    if (value instanceof Collection) {
        return value.collectMany { v -> ["--${name}".toString(), quote(String.valueOf(v))] }
    }
    return ["--${name}".toString(), quote(String.valueOf(value))]
}

/** Single-quotes a word for sh. */
@NonCPS
static String quote(Object word) {
    return "'" + String.valueOf(word).replace("'", "'\"'\"'") + "'"
}

@NonCPS
static String parentOf(String path) {
    int slash = path.lastIndexOf('/')
    return slash > 0 ? path.substring(0, slash) : '.'
}

/**
 * The engine's own words for a failure: its message, every config problem at file:line:col, its
 * advice; for a quality gate (alone or after a tune) the checks that failed.
 */
@NonCPS
static String failureMessage(String operation, int status, Map result) {
    StringBuilder text = new StringBuilder("cd4ml ${operation} failed")
    if (result.error instanceof Map) {
        Map problem = result.error
        text << ': ' << problem.message
        (problem.problems ?: []).each { p ->
            text << '\n  ' << "${p.file}:${p.line}:${p.column}: ${p.setting}: ${p.message}"
        }
        if (problem.suggestion) {
            text << '\n  what to do: ' << problem.suggestion
        }
        return text.toString()
    }
    Map gate = result.checks instanceof List ? result : (result.gate instanceof Map ? result.gate : null)
    if (result.error) {
        text << ': ' << result.error
    } else if (gate != null && gate.passed == false) {
        text << ": model ${gate.model_version} did not pass the quality gate"
    } else {
        text << " (status ${result.status ?: 'unknown'}, exit code ${status})"
    }
    if (result.rolled_back_to) {
        text << "\n  rolled back to revision ${result.rolled_back_to}"
    }
    (result.problems instanceof List ? result.problems : []).each { p ->
        text << '\n  ' << [p.object, p.container, p.reason].findAll { it }.join(' ') << ': ' << p.message
    }
    if (gate != null) {
        gate.checks.findAll { it.passed == false }.each { c ->
            text << '\n  ' << (c.value != null ? "${c.metric}=${c.value}: ${c.verdict}" : "${c.metric}: ${c.verdict}")
        }
    }
    return text.toString()
}

@NonCPS
static Map parseJson(String text) {
    def parsed = new JsonSlurperClassic().parseText(text)
    return parsed instanceof Map ? parsed : [value: parsed]
}

// --- where the CLI runs, and with which credentials --------------------------------------------

/** On a Kubernetes agent (POD_LABEL set) in the `cd4ml` container unless told otherwise. */
def inContainerOf(Map args, Closure body) {
    String name = args.container != null ? args.container : (env.POD_LABEL ? 'cd4ml' : '')
    if (name) {
        return container(name) { body() }
    }
    return body()
}

/**
 * Binds the credentials named by ID into the environment the CLI reads (never onto its command
 * line): registry username/password, a kubeconfig file, AWS keys. A role comes from the agent itself
 * (instance profile, IRSA, AWS_PROFILE), which the engine's AWS default chain reads.
 */
def withCredentialsOf(Map args, Closure body) {
    List bindings = []
    if (args.registryCredentialsId) {
        bindings << usernamePassword(credentialsId: args.registryCredentialsId,
                usernameVariable: 'CD4ML_REGISTRY_USERNAME', passwordVariable: 'CD4ML_REGISTRY_PASSWORD')
    }
    if (args.kubeconfigCredentialsId) {
        bindings << file(credentialsId: args.kubeconfigCredentialsId, variable: 'KUBECONFIG')
    }
    if (args.awsCredentialsId) {
        // the same credential type the plugin's step takes: access key ID as username, secret key as password
        bindings << usernamePassword(credentialsId: args.awsCredentialsId,
                usernameVariable: 'AWS_ACCESS_KEY_ID', passwordVariable: 'AWS_SECRET_ACCESS_KEY')
    }
    if (bindings) {
        return withCredentials(bindings) { body() }
    }
    return body()
}

// --- argument checks -------------------------------------------------------------------------

@NonCPS
static List<String> argumentProblems(String step, Map args, Map<String, Class> known) {
    List<String> problems = []
    args.each { key, value ->
        String name = String.valueOf(key)
        if (!known.containsKey(name)) {
            problems << "${step}: unknown argument '${name}'${suggestion(name, known.keySet())}; known arguments: " +
                    known.keySet().join(', ')
        } else if (value != null && !known[name].isInstance(value) && !(known[name] == String && value instanceof GString)) {
            problems << "${step}: argument '${name}' must be a ${known[name].simpleName}, not " +
                    "${value.getClass().simpleName} (${value})"
        }
    }
    return problems.collect { it.toString() }
}

/** ", did you mean 'x'" for a near miss, else nothing. */
@NonCPS
static String suggestion(String word, Collection<String> candidates) {
    String best = null
    int bestDistance = Integer.MAX_VALUE
    candidates.each { String c ->
        int d = distance(word.toLowerCase(), c.toLowerCase())
        if (d < bestDistance) {
            best = c
            bestDistance = d
        }
    }
    return best != null && bestDistance <= Math.max(2, word.length().intdiv(3)) ? " (did you mean '${best}'?)" : ''
}

@NonCPS
static int distance(String a, String b) {
    int[] previous = (0..b.length()) as int[]
    for (int i = 1; i <= a.length(); i++) {
        int[] current = new int[b.length() + 1]
        current[0] = i
        for (int j = 1; j <= b.length(); j++) {
            int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1
            current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost)
        }
        previous = current
    }
    return previous[b.length()]
}
