package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills an image tag template: {@code {git_short_sha}}, {@code {build_number}} (the CI build
 * number, {@code BUILD_NUMBER}), {@code {model_version}} and {@code {date}} (UTC
 * {@code yyyyMMdd}). A placeholder that cannot be filled is an error that says why and what to use
 * instead; every such placeholder is reported at once.
 */
final class TagTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    /** What the placeholders stand for; empty where unknown. */
    record Values(Optional<String> gitShortSha, Optional<String> buildNumber, Optional<String> modelVersion,
            Instant now) {
    }

    private TagTemplate() {
    }

    /**
     * The tag for {@code template}.
     *
     * @throws Cd4mlException (bad input) naming every placeholder that cannot be filled
     */
    static String fill(String template, Values values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder tag = new StringBuilder();
        List<String> problems = new ArrayList<>();
        List<String> advice = new ArrayList<>();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "git_short_sha" -> values.gitShortSha().orElseGet(() -> {
                    problems.add("{git_short_sha} needs a Git commit, but the project directory is not in a Git "
                            + "repository with commits");
                    advice.add("commit the project to Git, or tag by the model instead: --tag '{model_version}' "
                            + "(or serve.image.tag: \"{model_version}\")");
                    return "";
                });
                case "build_number" -> values.buildNumber().orElseGet(() -> {
                    problems.add("{build_number} needs the CI build number, but BUILD_NUMBER is not set");
                    advice.add("run in a CI build (Jenkins sets BUILD_NUMBER), set BUILD_NUMBER, or use "
                            + "--tag '{model_version}'");
                    return "";
                });
                case "model_version" -> values.modelVersion().orElseGet(() -> {
                    problems.add("{model_version} is not known before the model is trained");
                    advice.add("train first");
                    return "";
                });
                case "date" -> DATE.format(values.now());
                default -> {
                    problems.add("unknown placeholder {" + m.group(1) + "}");
                    advice.add("use {git_short_sha}, {build_number}, {model_version} or {date}");
                    yield "";
                }
            };
            m.appendReplacement(tag, Matcher.quoteReplacement(value));
        }
        m.appendTail(tag);
        if (!problems.isEmpty()) {
            throw Cd4mlException.badInput("cannot make the image tag from '" + template + "': "
                    + String.join("; ", problems), String.join("; ", advice));
        }
        if (!TAG.matcher(tag).matches()) {
            throw Cd4mlException.badInput("'" + tag + "' (from the tag template '" + template + "') is not a valid "
                    + "image tag", "a tag has up to 128 letters, digits, '_', '.' and '-', not starting with '.' or "
                    + "'-'; check BUILD_NUMBER or the template");
        }
        return tag.toString();
    }

    /** Checks before training that everything except {@code {model_version}} can be filled. */
    static void checkFillable(String template, Values values) {
        fill(template, new Values(values.gitShortSha(), values.buildNumber(), Optional.of("0"), values.now()));
    }
}
