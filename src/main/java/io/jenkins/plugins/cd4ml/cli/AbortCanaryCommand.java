package io.jenkins.plugins.cd4ml.cli;

import picocli.CommandLine.Command;

/** {@code cd4ml abort-canary}: the first name of {@code cd4ml canary abort} (Jenkinsfiles call it). */
@Command(name = "abort-canary",
        description = "Canary: remove the running canary; the stable pods are untouched (the same as cd4ml canary "
                + "abort).")
final class AbortCanaryCommand extends CanaryCommand.Abort {
}
