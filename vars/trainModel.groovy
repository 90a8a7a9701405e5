// trainModel: trains the model once on its backend and returns the result (the fields of
// `cd4ml train --json`: run_id, backend, job_id, model_uri, model_version, manifest, metrics, ...).

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        backend                : String,
        image                  : String,
        hyperparameters        : Map,
        attach                 : String,
        awsCredentialsId       : String,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('trainModel', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    Map options = [backend: args.backend, image: args.image, hyperparameters: args.hyperparameters, attach: args.attach]
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['awsCredentialsId', 'kubeconfigCredentialsId'])
            + [operation: 'train', options: cd4ml.compact(options)])
}
