package io.jenkins.plugins.cd4ml.cli;

/** A command with the common options, so the error boundary knows about --json and --stacktrace. */
interface HasCommonOptions {

    CommonOptions common();
}
