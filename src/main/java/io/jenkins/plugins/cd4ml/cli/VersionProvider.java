package io.jenkins.plugins.cd4ml.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest. */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Cd4mlCommand.class.getPackage().getImplementationVersion();
        return new String[] {"cd4ml " + (version == null ? "(development build)" : version)};
    }
}
