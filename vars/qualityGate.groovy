// qualityGate: checks a trained model against config.yaml's `quality_gate` and returns the verdict
// (the fields of `cd4ml gate --json`); a model that fails the gate fails the build with the table.
// promote: true makes a model that passed the current model (LATEST): cd4ml gate --promote.

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        model                  : String,
        promote                : Boolean,
        kubeconfigCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('qualityGate', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['kubeconfigCredentialsId'])
            + [operation: 'gate', options: cd4ml.pick(args, ['model']) + [promote: args.promote ? true : null]])
}
