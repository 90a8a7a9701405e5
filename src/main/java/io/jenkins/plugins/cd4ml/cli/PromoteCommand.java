package io.jenkins.plugins.cd4ml.cli;

import picocli.CommandLine.Command;

/** {@code cd4ml promote}: the first name of {@code cd4ml canary promote} (Jenkinsfiles call it). */
@Command(name = "promote",
        description = "Canary: make the running canary the stable release (the same as cd4ml canary promote). Not "
                + "model promotion: cd4ml train and cd4ml run promote models (LATEST).")
final class PromoteCommand extends CanaryCommand.Promote {
}
