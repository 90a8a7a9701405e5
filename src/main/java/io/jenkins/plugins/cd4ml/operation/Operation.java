package io.jenkins.plugins.cd4ml.operation;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The operations a front end other than the CLI (the Jenkins step, a script) can ask the engine
 * for, by name, with the options each accepts.
 *
 * <p>Names and options are spelled as in a Jenkinsfile ({@code buildImage}, {@code baseImage}); each
 * option does what the CLI option of the same meaning does ({@code --base-image}).
 */
public enum Operation {

    /** {@code cd4ml validate}. */
    VALIDATE("validate", "validate", Set.of()),
    /** {@code cd4ml train}. */
    TRAIN("train", "train", union(Options.TRAINING, Set.of("promote"))),
    /** {@code cd4ml build-image}. */
    BUILD_IMAGE("buildImage", "build-image", union(Options.IMAGE, Set.of("model", "tarball", "noCache"))),
    /**
     * {@code cd4ml run}: the whole job, run as the CLI command (its options are the command's, so
     * the step's {@code run} follows {@code cd4ml run}'s flags, such as {@code deploy}, as they change).
     */
    RUN("run", "run", null),
    /** {@code cd4ml tune}, run as the CLI command (its options are the command's). */
    TUNE("tune", "tune", null),
    /** {@code cd4ml gate}, run as the CLI command. */
    GATE("gate", "gate", null),
    /** {@code cd4ml deploy}. */
    DEPLOY("deploy", "deploy", union(Options.CLUSTER, Set.of("image", "modelVersion", "canaryWeight"))),
    /** {@code cd4ml rollback}. */
    ROLLBACK("rollback", "rollback", union(Options.CLUSTER, Set.of("revision"))),
    /** {@code cd4ml promote}, run as the CLI command. */
    PROMOTE("promote", "promote", null),
    /** {@code cd4ml abort-canary}, run as the CLI command. */
    ABORT_CANARY("abortCanary", "abort-canary", null),
    /** {@code cd4ml history}. */
    HISTORY("history", "history", union(Options.CLUSTER, Set.of("at")));

    private final String stepName;
    private final String cliName;
    private final Set<String> options;

    Operation(String stepName, String cliName, Set<String> options) {
        this.stepName = stepName;
        this.cliName = cliName;
        this.options = options;
    }

    /** The name a Jenkinsfile uses, such as {@code buildImage}. */
    public String stepName() {
        return stepName;
    }

    /** The CLI command doing the same, such as {@code build-image}. */
    public String cliName() {
        return cliName;
    }

    /** The option names this operation accepts, sorted (those of the CLI command when {@link #asCommand()}). */
    public List<String> options() {
        return options == null ? List.of() : options.stream().sorted().toList();
    }

    /**
     * True if the operation runs as its CLI command in this JVM ({@code cli.EmbeddedCli}) rather than
     * through the engine's classes directly; it takes the command's options, and runs with the
     * call's environment and cancel token like the others.
     */
    public boolean asCommand() {
        return options == null;
    }

    /** Every step name, in declaration order, for messages. */
    public static List<String> stepNames() {
        return Arrays.stream(values()).map(Operation::stepName).toList();
    }

    /**
     * The operation called {@code name} (its step name or its CLI name, any case).
     *
     * @throws Cd4mlException a usage error naming the operations there are
     */
    public static Operation named(String name) {
        String wanted = name == null ? "" : name.strip();
        for (Operation operation : values()) {
            if (operation.stepName.equalsIgnoreCase(wanted) || operation.cliName.equalsIgnoreCase(wanted)) {
                return operation;
            }
        }
        throw Cd4mlException.badInput("'" + wanted + "' is not a cd4ml operation; expected one of "
                + String.join(", ", stepNames()), "spell the operation as in the list, e.g. cd4ml(operation: 'train')");
    }

    @Override
    public String toString() {
        return stepName;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        return Stream.concat(a.stream(), b.stream()).collect(Collectors.toUnmodifiableSet());
    }

    /** Option groups shared by several operations. */
    static final class Options {
        /** What changes how training runs (CLI: --backend, --image, -p, --attach). */
        static final Set<String> TRAINING = Set.of("backend", "image", "hyperparameters", "attach");
        /** What changes how the serving image is built and where it goes. */
        static final Set<String> IMAGE = Set.of("repository", "tag", "builder", "push", "baseImage", "pipIndexUrl");
        /** Where a deploy goes (as cd4ml deploy's --environment, --kube-context, --kubeconfig, --timeout). */
        static final Set<String> CLUSTER = Set.of("environment", "kubeContext", "kubeconfig", "timeout");

        private Options() {
        }
    }
}
