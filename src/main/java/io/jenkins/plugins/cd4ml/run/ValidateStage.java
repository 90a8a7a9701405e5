package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.engine.EngineContext;

/** Reports that the configuration is valid: the front end loaded it with every check before the job started. */
final class ValidateStage implements EveryRunStage {

    @Override
    public String name() {
        return "validate";
    }

    @Override
    public String description(RunState state) {
        return "checking the configuration";
    }

    @Override
    public String run(RunState state, EngineContext context) {
        return state.config().file().getFileName() + " and " + state.config().features().file().getFileName()
                + " are valid";
    }
}
