// helmDeploy: deploys the serving image with the cd4ml Helm chart (or as a local container, for
// deploy.target local) to one of config.yaml's deploy.environments and returns the result (the
// fields of `cd4ml deploy --json`: release, namespace, revision, image, model_version, status, url).

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        environment            : String,
        image                  : String,
        modelVersion           : String,
        canaryWeight           : Integer,
        kubeContext            : String,
        timeout                : String,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('helmDeploy', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['kubeconfigCredentialsId'])
            + [operation: 'deploy', options: cd4ml.pick(args, ['environment', 'image', 'modelVersion', 'canaryWeight',
                                                                         'kubeContext', 'timeout'])])
}
