package io.jenkins.plugins.cd4ml.config;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} in configuration values; {@code $$} is a
 * literal dollar sign. Placeholders without a dollar ({@code {git_short_sha}}) are left alone.
 */
final class Interpolation {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\{([^}]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * No expansion: the text is taken as written. For {@code features.yaml}, which the model
     * server reads as it is, so that what {@code validate} checks is what is served.
     */
    static final Interpolation NONE = new Interpolation(null);

    private final Function<String, String> environment;

    Interpolation(Map<String, String> environment) {
        this.environment = environment == null ? null : environment::get;
    }

    /** Thrown with a user-facing message when a reference cannot be expanded. */
    static final class UnresolvedException extends Exception {
        private static final long serialVersionUID = 1L;

        UnresolvedException(String message) {
            super(message);
        }
    }

    String expand(String text) throws UnresolvedException {
        if (environment == null || text.indexOf('$') < 0) {
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        int literalStart = 0;
        while (m.find()) {
            checkClosed(text, text.substring(literalStart, m.start()));
            String replacement = m.group(1) == null ? "$" : resolve(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
            literalStart = m.end();
        }
        checkClosed(text, text.substring(literalStart));
        m.appendTail(out);
        return out.toString();
    }

    private static void checkClosed(String text, String literal) throws UnresolvedException {
        if (literal.contains("${")) {
            throw new UnresolvedException("'" + text + "' has an unclosed '${'; use ${NAME} or ${NAME:-default}, "
                    + "or $$ for a literal '$'");
        }
    }

    private String resolve(String reference) throws UnresolvedException {
        int split = reference.indexOf(":-");
        String name = split < 0 ? reference : reference.substring(0, split);
        if (!NAME.matcher(name).matches()) {
            throw new UnresolvedException("'${" + reference + "}' is not a valid reference; use ${NAME} or "
                    + "${NAME:-default} with NAME made of letters, digits and '_', or $$ for a literal '$'");
        }
        String value = environment.apply(name);
        if (value != null && !value.isEmpty()) {
            return value;
        }
        if (split >= 0) {
            return reference.substring(split + 2);
        }
        throw new UnresolvedException("environment variable " + name + " is not set; set it, or give a default "
                + "with ${" + name + ":-value}");
    }
}
