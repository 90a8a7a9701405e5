package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;

/** A stage that no configuration turns off (validate, promote): it is configured for every project. */
interface EveryRunStage extends Stage {

    @Override
    default boolean configured(ProjectConfig config) {
        return true;
    }

    @Override
    default String whyNotConfigured(ProjectConfig config) {
        return "";
    }
}
