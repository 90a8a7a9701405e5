package io.jenkins.plugins.cd4ml.operation;

import io.jenkins.plugins.cd4ml.engine.Advice;

/**
 * Advice in a Jenkinsfile's words: an option as the step parameter of the same meaning
 * ({@code --base-image} is {@code baseImage:}), an operation by its step name
 * ({@code cd4ml build-image} is {@code cd4ml(operation: 'buildImage')}).
 */
final class PipelineAdvice implements Advice {

    private static final long serialVersionUID = 1L;

    @Override
    public String option(String option) {
        String name = switch (option) {
            case "hyperparameter" -> "hyperparameters";
            case "no-cache" -> "noCache";
            case "no-promote" -> "promote: false";
            default -> camelCase(option);
        };
        return name.contains(":") ? name : name + ":";
    }

    @Override
    public String operation(String operation) {
        String step = Operation.stepNames().stream()
                .filter(s -> Operation.named(s).cliName().equals(operation)).findFirst().orElse(operation);
        return "cd4ml(operation: '" + step + "')";
    }

    private static String camelCase(String option) {
        StringBuilder s = new StringBuilder();
        boolean upper = false;
        for (char c : option.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                s.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
                upper = false;
            }
        }
        return s.toString();
    }
}
