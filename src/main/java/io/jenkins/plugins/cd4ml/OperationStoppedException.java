package io.jenkins.plugins.cd4ml;

/** Thrown when work was stopped on request (Ctrl-C, SIGTERM, a Jenkins abort); says what was stopped. */
public final class OperationStoppedException extends Cd4mlException {

    private static final long serialVersionUID = 1L;

    public OperationStoppedException(String whatWasStopped) {
        super("stopped: " + whatWasStopped, null, false, null);
    }
}
