package io.jenkins.plugins.cd4ml.pipeline;

import hudson.AbortException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a {@link Cd4mlStep} from the arguments a Jenkinsfile passes: {@code options} is a map,
 * which data binding cannot take, and an unknown argument must be an error that lists the known
 * ones, not a warning that is easy to miss. Mistakes are {@link AbortException}s: Pipeline reports
 * them as a message, without a stack trace (workflow-cps {@code DSL.invokeStep} hands whatever
 * {@code newInstance} throws to {@code StepContext.onFailure}).
 */
final class StepArguments {

    private StepArguments() {
    }

    static Cd4mlStep instantiate(Map<String, Object> arguments) throws AbortException {
        List<String> unknown = new ArrayList<>();
        for (String name : arguments.keySet()) {
            if (!Cd4mlStep.ARGUMENTS.contains(name)) {
                unknown.add("'" + name + "'");
            }
        }
        if (!unknown.isEmpty()) {
            throw new AbortException(Messages.Cd4mlStep_UnknownArguments(String.join(", ", unknown),
                    String.join(", ", Cd4mlStep.ARGUMENTS)));
        }
        Object operation = arguments.get("operation");
        if (operation == null || operation.toString().isBlank()) {
            throw new AbortException(Messages.Cd4mlStep_OperationRequired());
        }
        Cd4mlStep step = new Cd4mlStep(operation.toString());
        step.setConfig(text(arguments.get("config")));
        step.setDir(text(arguments.get("dir")));
        step.setRegistryCredentialsId(text(arguments.get("registryCredentialsId")));
        step.setKubeconfigCredentialsId(text(arguments.get("kubeconfigCredentialsId")));
        step.setAwsCredentialsId(text(arguments.get("awsCredentialsId")));
        step.setJson(flag(arguments, "json", false));
        step.setFailOnError(flag(arguments, "failOnError", true));
        step.setArchiveReport(flag(arguments, "archiveReport", true));
        Object options = arguments.get("options");
        if (options != null && !(options instanceof Map<?, ?>)) {
            throw new AbortException(Messages.Cd4mlStep_OptionsNotAMap(options.getClass().getSimpleName()));
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> map = (Map<String, ?>) options;
        step.setOptions(map);
        return step;
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static boolean flag(Map<String, Object> arguments, String name, boolean otherwise)
            throws AbortException {
        Object value = arguments.get(name);
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new AbortException(Messages.Cd4mlStep_NotABoolean(name, value));
    }
}
