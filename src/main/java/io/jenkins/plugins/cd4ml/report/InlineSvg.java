package io.jenkins.plugins.cd4ml.report;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes SVG readable under a Content Security Policy without {@code 'unsafe-inline'} styles (as
 * Jenkins serves archived files: {@code style-src 'self'}): JFreeSVG writes its paint as
 * {@code style='fill: ...; stroke: ...'} attributes, which such a policy drops, so they become the
 * equivalent SVG presentation attributes ({@code fill='...' stroke='...'}), which it does not.
 */
final class InlineSvg {

    private static final Pattern STYLE = Pattern.compile("style='([^']*)'");

    private InlineSvg() {
    }

    static String withPresentationAttributes(String svg) {
        Matcher m = STYLE.matcher(svg);
        StringBuilder out = new StringBuilder(svg.length());
        while (m.find()) {
            StringBuilder attributes = new StringBuilder();
            for (String declaration : m.group(1).split(";")) {
                int colon = declaration.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = declaration.substring(0, colon).strip();
                String value = declaration.substring(colon + 1).strip().replace("'", "&apos;");
                if (!name.isEmpty() && !value.isEmpty()) {
                    attributes.append(attributes.length() == 0 ? "" : " ").append(name).append("='").append(value)
                            .append('\'');
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(attributes.toString()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
