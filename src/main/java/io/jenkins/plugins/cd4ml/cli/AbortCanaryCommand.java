package io.jenkins.plugins.cd4ml.cli;

import picocli.CommandLine.Command;

/** {@code cd4ml abort-canary}: the first name of {@code cd4ml canary abort} (Jenkinsfiles call it). */
@Command(name = "abort-canary", mixinStandardHelpOptions = true,
        description = "Canary: remove the running canary; the stable pods are untouched (the same as cd4ml canary "
                + "abort).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the canary was removed", "1:the upgrade failed, or the command was stopped",
            "2:no canary, bad usage or configuration"})
final class AbortCanaryCommand extends CanaryCommand.Abort {
}
