package io.jenkins.plugins.cd4ml.engine;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the calling front end spells its options and operations, so that engine errors give advice
 * the user can follow where they are: {@code --model VERSION} on the command line,
 * {@code model: 'VERSION'} in a Jenkinsfile step (after Jib's {@code HelpfulSuggestions}, which
 * each Jib front end constructs with its own wording).
 *
 * <p>Options are named by their canonical name, the CLI's long option without dashes
 * ({@code model}, {@code image}, {@code attach}, …), operations by the CLI's subcommand
 * ({@code train}, {@code build-image}, …). Engine messages write them the CLI's way
 * ({@code --model}, {@code cd4ml build-image}); {@link #render} rewrites those for the front
 * end, which each operation does to the errors it throws (see
 * {@link io.jenkins.plugins.cd4ml.Cd4mlException#adviseWith}).
 */
public interface Advice extends Serializable {

    /** The canonical options engine messages may name. */
    List<String> OPTIONS = List.of("attach", "backend", "base-image", "build-image", "builder", "config",
            "hyperparameter", "image", "model", "model-version", "no-cache", "no-container", "no-promote", "pip-index-url", "port",
            "push", "registry-password-stdin", "registry-username", "repository", "tag", "tarball");

    /** The operations engine messages may name. */
    List<String> OPERATIONS = List.of("build-image", "run", "serve", "train", "validate");

    /** The CLI's spelling: {@code --model}, {@code cd4ml build-image}. */
    Advice CLI = new Cli();

    /** A spelling that names no front end: {@code the model option}, {@code the build-image operation}. */
    Advice NEUTRAL = new Neutral();

    /** How the user sets {@code option} in this front end, for example {@code --model}. */
    String option(String option);

    /** How the user sets {@code option} to {@code value}, for example {@code --model VERSION}. */
    default String option(String option, String value) {
        return option(option) + " " + value;
    }

    /** How the user runs the operation {@code operation} (a CLI subcommand name such as {@code build-image}). */
    String operation(String operation);

    /**
     * {@code text} with every {@code --option} of {@link #OPTIONS} and {@code cd4ml operation} of
     * {@link #OPERATIONS} in this front end's words.
     */
    default String render(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = Spelling.PATTERN.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1) != null ? option(m.group(1)) : operation(m.group(2));
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The command line's words, in which engine messages are written. */
    final class Cli implements Advice {
        private static final long serialVersionUID = 1L;

        @Override
        public String option(String option) {
            return "--" + option;
        }

        @Override
        public String operation(String operation) {
            return "cd4ml " + operation;
        }

        @Override
        public String render(String text) {
            return text;
        }
    }

    /** Words that name no front end. */
    final class Neutral implements Advice {
        private static final long serialVersionUID = 1L;

        @Override
        public String option(String option) {
            return "the " + option + " option";
        }

        @Override
        public String operation(String operation) {
            return "the " + operation + " operation";
        }
    }

    /** Finds option and operation names in engine messages. */
    final class Spelling {
        static final Pattern PATTERN = Pattern.compile("(?<![\\w-])--(" + String.join("|", OPTIONS.stream()
                .sorted((a, b) -> b.length() - a.length()).toList()) + ")(?![\\w-])|\\bcd4ml ("
                + String.join("|", OPERATIONS.stream().sorted((a, b) -> b.length() - a.length()).toList())
                + ")(?![\\w-])");

        private Spelling() {
        }
    }
}
