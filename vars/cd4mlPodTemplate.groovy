// cd4mlPodTemplate: the pod YAML of a Kubernetes agent for cd4ml, built from config.yaml, for the
// kubernetes plugin's podTemplate(yaml: ...) or a declarative `agent { kubernetes { yaml ... } }`.

import groovy.json.JsonOutput
import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        dir           : String,
        config        : String,
        cliImage      : String,
        image         : String,
        trainContainer: Boolean,
]

@Field static final String DEFAULT_CLI_IMAGE = 'cd4ml/cli:latest'
@Field static final String GPU_RESOURCE = 'nvidia.com/gpu'

String call(Map args = [:]) {
    cd4ml.checkArguments('cd4mlPodTemplate', args, ARGUMENTS)
    String path = configPath(args.dir, args.config)
    String text
    try {
        // Outside a node (a declarative `agent` block) there is no workspace yet: read the file
        // from the build's own SCM revision, as Jenkins reads the Jenkinsfile.
        text = env.NODE_NAME ? readFile(path) : readTrusted(path)
    } catch (Exception e) {
        error("cd4mlPodTemplate: cannot read ${path}: ${e.message}")
    }
    Map config = readYaml(text: text) ?: [:]
    Map<String, String> variables = [:]
    for (String name : referencedVariables(text)) {
        variables[name] = env[name]
    }
    List<String> problems = []
    Map pod = podOf(config, variables, [cliImage: args.cliImage ?: env.CD4ML_CLI_IMAGE ?: DEFAULT_CLI_IMAGE,
                                        image: args.image, trainContainer: args.trainContainer != false], path, problems)
    if (problems) {
        error(problems.collect { "cd4mlPodTemplate: ${it}" }.join('\n'))
    }
    return JsonOutput.prettyPrint(JsonOutput.toJson(pod))
}

@NonCPS
static String configPath(String dir, String config) {
    String file = config ?: 'config.yaml'
    return (!dir || dir == '.') ? file : "${dir.replaceAll('/+$', '')}/${file}".toString()
}

/** The names of the ${VAR} and ${VAR:-default} references in config.yaml. */
@NonCPS
static List<String> referencedVariables(String text) {
    List<String> names = []
    def m = text =~ /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?}/
    while (m.find()) {
        if (!names.contains(m.group(1))) {
            names << m.group(1)
        }
    }
    return names
}

/** Expands ${VAR} and ${VAR:-default} as the engine does; $$ is a literal dollar. */
@NonCPS
static Object expand(Object value, Map<String, String> variables, List<String> problems, String where) {
    if (!(value instanceof String) || !value.contains('$')) {
        return value
    }
    return value.replaceAll(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}/) { List<String> g ->
        if (g[0] == '$$') {
            return '$'
        }
        String v = variables[g[1]]
        if (v) {
            return v
        }
        if (g[2] != null) {
            return g[2]
        }
        problems << "${where}: environment variable ${g[1]} is not set; set it, or give a default with \${${g[1]}:-value}".toString()
        return ''
    }
}

/** The pod: the `cd4ml` container with the CLI, the `train` container with train.image and its resources. */
@NonCPS
static Map podOf(Map config, Map<String, String> variables, Map args, String path, List<String> problems) {
    Map train = (config.train ?: [:]) as Map
    Map k8s = (train.kubernetes ?: [:]) as Map
    Closure x = { Object v, String where -> expand(v, variables, problems, "${path}: ${where}") }
    List containers = [[name   : 'cd4ml', image: args.cliImage,
                        command: ['sleep'], args: ['infinity']]]
    if (args.trainContainer) {
        String image = args.image ?: x(train.image, 'train.image')
        if (!image) {
            problems << "${path}: train.image is not set, so the training container has no image; set it, pass " +
                    "image: '...', or leave the container out with trainContainer: false".toString()
        }
        Map container = [name: 'train', image: image, command: ['sleep'], args: ['infinity']]
        Map resources = resourcesOf((train.resources ?: [:]) as Map, x)
        if (resources) {
            container.resources = resources
        }
        Map env = (k8s.env ?: [:]) as Map
        if (env) {
            container.env = env.collect { k, v -> [name: String.valueOf(k), value: String.valueOf(x(v, "train.kubernetes.env.${k}"))] }
        }
        List secrets = (k8s.secrets ?: []) as List
        if (secrets) {
            container.envFrom = secrets.collect { [secretRef: [name: String.valueOf(it)]] }
        }
        containers << container
    }
    Map spec = [containers: containers]
    if (k8s.service_account) {
        spec.serviceAccountName = x(k8s.service_account, 'train.kubernetes.service_account')
    }
    Map selector = (k8s.node_selector ?: [:]) as Map
    if (selector) {
        spec.nodeSelector = selector.collectEntries { k, v -> [(String.valueOf(k)): String.valueOf(x(v, "train.kubernetes.node_selector.${k}"))] }
    }
    List tolerations = (k8s.tolerations ?: []) as List
    if (tolerations) {
        spec.tolerations = tolerations.collect { Map t ->
            Map out = [:]
            ['key', 'operator', 'value', 'effect'].each { if (t[it] != null) out[it] = String.valueOf(t[it]) }
            if (out.operator == null) {
                out.operator = 'Equal'
            }
            if (t.toleration_seconds != null) {
                out.tolerationSeconds = t.toleration_seconds as Long
            }
            out
        }
    }
    Map labels = ['app.kubernetes.io/name': 'cd4ml-agent']
    Object project = (config.project instanceof Map) ? config.project.name : null
    if (project) {
        labels['app.kubernetes.io/instance'] = String.valueOf(x(project, 'project.name'))
    }
    return [apiVersion: 'v1', kind: 'Pod', metadata: [labels: labels], spec: spec]
}

/** requests = limits for cpu and memory (as the engine's Kubernetes Jobs do), the GPU as a limit. */
@NonCPS
static Map resourcesOf(Map resources, Closure x) {
    Map amounts = [:]
    ['cpu', 'memory'].each { if (resources[it] != null) amounts[it] = String.valueOf(x(resources[it], "train.resources.${it}")) }
    Map limits = new LinkedHashMap(amounts)
    Object gpu = x(resources.gpu, 'train.resources.gpu')
    if (gpu != null && String.valueOf(gpu) != '0') {
        limits[GPU_RESOURCE] = String.valueOf(gpu)
    }
    Map out = [:]
    if (amounts) {
        out.requests = amounts
    }
    if (limits) {
        out.limits = limits
    }
    return out
}
