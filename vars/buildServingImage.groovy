// buildServingImage: bakes a trained model into the serving image (and pushes it with push: true);
// returns the fields of `cd4ml build-image --json`: reference, digest, image_id, size_bytes,
// model_version, labels, builder, pushed, ...

import groovy.transform.Field

@Field static final Map<String, Class> ARGUMENTS = [
        model                : String,
        repository           : String,
        tag                  : String,
        builder              : String,
        push                 : Boolean,
        baseImage            : String,
        tarball              : String,
        noCache              : Boolean,
        pipIndexUrl          : String,
        registryCredentialsId: String,
]

Map call(Map args = [:]) {
    cd4ml.checkArguments('buildServingImage', args, ARGUMENTS + cd4ml.COMMON_ARGUMENTS)
    Map options = cd4ml.pick(args, ['model', 'repository', 'tag', 'builder', 'push', 'baseImage', 'tarball',
                                    'pipIndexUrl'])
    if (args.noCache) {
        options.noCache = true
    }
    return cd4ml(cd4ml.pick(args, cd4ml.COMMON_ARGUMENTS.keySet() + ['registryCredentialsId'])
            + [operation: 'buildImage', options: cd4ml.compact(options)])
}
