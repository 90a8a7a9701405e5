// tuneModel: searches the hyperparameters of config.yaml's `tune` section, gates the best model and
// promotes it; returns the fields of `cd4ml tune --json` (status, model_version, trials, best,
// best_training, gate, promoted).

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        backend                : String,
        image                  : String,
        hyperparameters        : Map,
        awsCredentialsId       : String,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('tuneModel', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    Map options = cd4ml.pick(args, ['backend', 'image', 'hyperparameters'])
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['awsCredentialsId', 'kubeconfigCredentialsId'])
            + [operation: 'tune', options: options])
}
