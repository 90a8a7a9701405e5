// mlPipeline: the whole cd4ml flow in one call, for declarative and scripted Jenkinsfiles and for
// multibranch jobs. Every branch and pull request: validate -> train (or tune) -> gate -> image.
// The default branch also pushes the image and deploys to staging; a tag deploys to production
// (or, with production: 'input', the default branch does after an approval).

import groovy.json.JsonOutput
import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        dir                    : String,
        config                 : String,
        agent                  : String,
        kubernetes             : Boolean,
        cliImage               : String,
        tune                   : Boolean,
        defaultBranch          : String,
        production             : String,
        stagingEnvironment     : String,
        productionEnvironment  : String,
        schedule               : Boolean,
        registryCredentialsId  : String,
        kubeconfigCredentialsId: String,
        awsCredentialsId       : String,
        cd4mlHome              : String,
        usePlugin              : Boolean,
]

@Field static final List<String> PRODUCTION_MODES = ['tag', 'input', 'never']

def call(Map args = [:]) {
    cd4ml.checkArguments('mlPipeline', args, ARGUMENTS)
    String production = args.production ?: 'tag'
    if (!PRODUCTION_MODES.contains(production)) {
        error("mlPipeline: production must be one of ${PRODUCTION_MODES.join(', ')}, not '${production}'")
    }
    String kind = buildKind(env.BRANCH_NAME, env.TAG_NAME, env.CHANGE_ID, args.defaultBranch ?: 'main')
    Map common = cd4ml.pick(args, ['dir', 'config', 'cd4mlHome', 'usePlugin'])
    String staging = args.stagingEnvironment ?: 'staging'
    String productionEnvironment = args.productionEnvironment ?: 'production'
    Map results = [:]
    Map config = [:]
    boolean publish = kind == 'default' || kind == 'tag'

    onAgent(args) {
        checkout scm
        config = readYaml(file: cd4mlPodTemplate.configPath(args.dir, args.config)) ?: [:]
        if (args.schedule != false && (kind == 'default') && scheduleOf(config)) {
            // Scheduled retraining: the job's trigger is project.schedule (a Jenkins cron spec).
            properties([pipelineTriggers([cron(scheduleOf(config))])])
        }
        try {
            stage('Validate') {
                results.validate = cd4ml(common + [operation: 'validate'])
            }
            if (args.tune) {
                stage('Tune') {
                    results.tune = tuneModel(common + cd4ml.pick(args, ['awsCredentialsId', 'kubeconfigCredentialsId']))
                }
            } else {
                stage('Train') {
                    // with a gate, the model becomes LATEST only once it passed (DESIGN.md §4)
                    results.train = trainModel(common + cd4ml.pick(args, ['awsCredentialsId', 'kubeconfigCredentialsId'])
                            + (config.quality_gate ? [promote: false] : [:]))
                }
            }
            String model = modelVersionOf(results)
            if (results.tune?.gate) {
                results.gate = results.tune.gate // a tune gates its best model itself
            } else if (config.quality_gate) {
                stage('Quality gate') {
                    results.gate = qualityGate(common + [model: model, promote: true]
                            + cd4ml.pick(args, ['kubeconfigCredentialsId']))
                }
            }
            stage('Image') {
                results.image = buildServingImage(common + [model: model, push: publish]
                        + cd4ml.pick(args, ['registryCredentialsId']))
            }
            if (kind == 'default' && config.deploy) {
                stage("Deploy ${staging}".toString()) {
                    results[staging] = helmDeploy(deployArguments(common, args, config, staging, results.image))
                }
            }
            if (kind == 'tag' && production == 'tag' && config.deploy) {
                stage("Deploy ${productionEnvironment}".toString()) {
                    results[productionEnvironment] = helmDeploy(
                            deployArguments(common, args, config, productionEnvironment, results.image))
                }
            }
        } finally {
            record(results, kind)
        }
    }

    if (kind == 'default' && production == 'input' && config.deploy && results.image) {
        // Outside any node: waiting for a person holds no agent.
        stage("Approve ${productionEnvironment}".toString()) {
            input(message: "Deploy ${config.project?.name ?: 'the model'} ${modelVersionOf(results)} " +
                    "(${results.image.reference}) to ${productionEnvironment}?", ok: 'Deploy')
        }
        onAgent(args) {
            checkout scm
            try {
                stage("Deploy ${productionEnvironment}".toString()) {
                    results[productionEnvironment] = helmDeploy(
                            deployArguments(common, args, config, productionEnvironment, results.image))
                }
            } finally {
                record(results, kind)
            }
        }
    }
    return results
}

/** Runs the body on the agent mlPipeline was asked for: a cd4ml pod, a labelled node, or any node. */
def onAgent(Map args, Closure body) {
    if (args.kubernetes) {
        String yaml = cd4mlPodTemplate(cd4ml.pick(args, ['dir', 'config', 'cliImage']))
        return podTemplate(yaml: yaml) {
            node(env.POD_LABEL) {
                body()
            }
        }
    }
    if (args.agent) {
        return node(args.agent) { body() }
    }
    return node { body() }
}

/** Writes cd4ml-result.json and model.json, archives them with the report, and describes the build. */
def record(Map results, String kind) {
    Map manifest = manifestOf(results)
    writeFile(file: 'cd4ml-result.json', text: JsonOutput.prettyPrint(JsonOutput.toJson(
            [build: kind, branch: env.BRANCH_NAME, tag: env.TAG_NAME, change: env.CHANGE_ID] + [stages: results])))
    List<String> artifacts = ['cd4ml-result.json']
    if (manifest) {
        writeFile(file: 'model.json', text: JsonOutput.prettyPrint(JsonOutput.toJson(manifest)))
        artifacts << 'model.json'
    }
    String report = reportOf(results)
    if (report && fileExists(report)) {
        // the report reads its stylesheet from beside it (no inline styles, for Jenkins' CSP)
        writeFile(file: 'report.html', text: readFile(report))
        artifacts << 'report.html'
        String stylesheet = cd4ml.parentOf(report) + '/report.css'
        if (fileExists(stylesheet)) {
            writeFile(file: 'report.css', text: readFile(stylesheet))
            artifacts << 'report.css'
        }
    }
    archiveArtifacts(artifacts: artifacts.join(','), fingerprint: true)
    String description = descriptionOf(results)
    if (description) {
        currentBuild.description = description
    }
}

/** 'pull-request', 'tag', 'default' (the default branch, or a job that is not multibranch) or 'branch'. */
@NonCPS
static String buildKind(String branch, String tag, String change, String defaultBranch) {
    if (change) {
        return 'pull-request'
    }
    if (tag) {
        return 'tag'
    }
    if (!branch || branch == defaultBranch) {
        return 'default'
    }
    return 'branch'
}

@NonCPS
static String scheduleOf(Map config) {
    Object project = config.project
    return project instanceof Map && project.schedule ? String.valueOf(project.schedule) : null
}

@NonCPS
static Map deployArguments(Map common, Map args, Map config, String environment, Map image) {
    Map out = new LinkedHashMap(common)
    Map environments = config.deploy instanceof Map && config.deploy.environments instanceof Map ?
            config.deploy.environments : [:]
    if (environments.containsKey(environment)) {
        out.environment = environment
    }
    if (image?.reference) {
        out.image = image.digest ? "${String.valueOf(image.reference).replaceFirst(/:[^:\/]+$/, '')}@${image.digest}".toString() :
                String.valueOf(image.reference)
    }
    if (image?.model_version) {
        out.modelVersion = String.valueOf(image.model_version)
    }
    if (args.kubeconfigCredentialsId) {
        out.kubeconfigCredentialsId = args.kubeconfigCredentialsId
    }
    return out
}

/** The model the run produced: the trained one, or the best of the tuning. */
@NonCPS
static String modelVersionOf(Map results) {
    if (results.train?.model_version) {
        return results.train.model_version
    }
    Map tune = results.tune ?: [:]
    return tune.model_version ?: tune.best?.model_version
}

@NonCPS
static Map manifestOf(Map results) {
    Map trained = results.train ?: results.tune?.best_training
    return trained?.manifest instanceof Map ? trained.manifest : null
}

@NonCPS
static String reportOf(Map results) {
    for (Object r : results.values()) {
        if (r instanceof Map && r.report) {
            return String.valueOf(r.report)
        }
    }
    return null
}

/** "model 02617e97913e · accuracy=0.9667 · gate passed · image sha256:…": what a build list should show. */
@NonCPS
static String descriptionOf(Map results) {
    List<String> parts = []
    String model = modelVersionOf(results)
    if (model) {
        parts << "model ${model}".toString()
    }
    Map metrics = results.train?.metrics ?: results.tune?.best?.metrics ?: [:]
    if (metrics) {
        // the key metric: the tune's objective, else the first the gate checks, else the first reported
        String key = [results.tune?.objective, results.gate?.checks?.find { true }?.metric]
                .find { it && metrics.containsKey(it) } ?: metrics.keySet().first()
        parts << "${key}=${metrics[key]}".toString()
    }
    if (results.gate?.status) {
        parts << "gate ${results.gate.status}".toString()
    }
    if (results.image) {
        parts << "image ${results.image.digest ?: results.image.reference}".toString()
    }
    return parts.join(' · ')
}
