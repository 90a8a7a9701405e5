package io.jenkins.plugins.cd4ml.config;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.util.List;
import java.util.stream.Collectors;

/** Thrown when {@code config.yaml} or a file it names is invalid; carries every problem found. */
public final class InvalidConfigException extends Cd4mlException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(summary(problems), "fix the settings above; 'cd4ml validate' checks them without running anything",
                true, null);
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in file order. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String summary(List<ConfigProblem> problems) {
        String head = problems.size() == 1 ? "1 problem in the configuration:" : problems.size()
                + " problems in the configuration:";
        return head + problems.stream().map(p -> "\n  " + p).collect(Collectors.joining());
    }
}
