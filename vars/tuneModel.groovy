// tuneModel: searches the hyperparameters of config.yaml's `tune` section and returns the result
// (the fields of `cd4ml tune --json`: every trial, the best trial and its model).

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        backend                : String,
        image                  : String,
        awsCredentialsId       : String,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('tuneModel', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    Map options = cd4ml.pick(args, ['backend', 'image'])
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['awsCredentialsId', 'kubeconfigCredentialsId'])
            + [operation: 'tune', options: options])
}
