// helmDeploy: deploys the serving image with the cd4ml Helm chart to one of config.yaml's
// deploy.environments and returns the result (the fields of `cd4ml deploy --json`).

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        environment            : String,
        image                  : String,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('helmDeploy', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['kubeconfigCredentialsId'])
            + [operation: 'deploy', options: cd4ml.pick(args, ['environment', 'image'])])
}
