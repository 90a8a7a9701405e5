// trainModel: trains the model once on its backend and returns the result (the fields of
// `cd4ml train --json`: run_id, backend, job_id, model_uri, model_version, manifest, metrics, promoted, ...).

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        backend                : String,
        image                  : String,
        hyperparameters        : Map,
        attach                 : String,
        promote                : Boolean,
        awsCredentialsId       : String,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('trainModel', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    // promote: false stores the model without making it LATEST (cd4ml train --no-promote); true is the default,
    // which the CLI has no flag for, so only false is passed on
    Map options = [backend: args.backend, image: args.image, hyperparameters: args.hyperparameters, attach: args.attach,
                   promote: args.promote == false ? false : null]
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['awsCredentialsId', 'kubeconfigCredentialsId'])
            + [operation: 'train', options: cd4ml.compact(options)])
}
