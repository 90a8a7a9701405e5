package io.jenkins.plugins.cd4ml.config;

import java.util.regex.Pattern;

/** The syntax rules for names and references in the configuration, with their descriptions. */
final class Patterns {

    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    static final String DNS_LABEL_RULE = "use at most 63 lowercase letters, digits and '-', starting and ending "
            + "with a letter or digit (a DNS-1123 label, e.g. iris-classifier)";

    static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern METRIC = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:/-]{0,254}");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    static final Pattern QUANTITY = Pattern.compile(
            "([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+)?");
    static final String CPU_RULE = "use a Kubernetes CPU quantity such as 1, 0.5 or 250m";
    static final String MEMORY_RULE = "use a Kubernetes memory quantity such as 512Mi, 2Gi or 1G";

    static final Pattern S3_URI = Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?");
    static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}");
    static final Pattern INSTANCE_TYPE = Pattern.compile("ml\\.[a-z0-9]+\\.[a-z0-9]+");
    static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");

    static final Pattern IMAGE_REPOSITORY = Pattern.compile(
            "([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*");
    static final String IMAGE_REPOSITORY_RULE = "use [registry[:port]/]path with lowercase letters, digits and "
            + "separators . _ -, e.g. docker.io/acme/iris-classifier or localhost:5000/iris";
    static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    static final Pattern HOSTNAME = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private Patterns() {
    }

    /** True for an {@code s3://} URI. */
    static boolean isS3(String uri) {
        return uri.startsWith("s3://");
    }

    /** True for an {@code http://} or {@code https://} URI. */
    static boolean isHttp(String uri) {
        return uri.startsWith("http://") || uri.startsWith("https://");
    }

    /** True for a URI with a scheme (anything else is a project path). */
    static boolean hasScheme(String uri) {
        return uri.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }
}
