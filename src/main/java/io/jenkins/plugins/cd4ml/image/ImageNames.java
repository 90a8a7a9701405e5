package io.jenkins.plugins.cd4ml.image;

import java.util.Locale;

/**
 * Splits image references the way Docker does: the part before the first {@code /} is a registry
 * if it has a {@code .} or {@code :} or is {@code localhost}; otherwise the image is on Docker Hub.
 */
public final class ImageNames {

    /** Docker Hub, as credentials and messages name it. */
    public static final String DOCKER_HUB = "docker.io";

    private ImageNames() {
    }

    /** The registry of {@code reference} ({@code docker.io} when it names none). */
    public static String registry(String reference) {
        int slash = reference.indexOf('/');
        if (slash < 0) {
            return DOCKER_HUB;
        }
        String first = reference.substring(0, slash);
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
            return first.equals("index.docker.io") || first.equals("registry-1.docker.io") ? DOCKER_HUB : first;
        }
        return DOCKER_HUB;
    }

    /** The reference without its tag or digest ({@code host:5000/a/b:t} → {@code host:5000/a/b}). */
    public static String repository(String reference) {
        String r = reference;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int colon = r.lastIndexOf(':');
        if (colon > r.lastIndexOf('/')) {
            r = r.substring(0, colon);
        }
        return r;
    }

    /** The tag of {@code reference}, or {@code latest}. */
    public static String tag(String reference) {
        String r = reference;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int colon = r.lastIndexOf(':');
        return colon > r.lastIndexOf('/') ? r.substring(colon + 1) : "latest";
    }

    /**
     * True for registries on this machine ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}):
     * the only ones cd4ml talks to over plain HTTP.
     */
    public static boolean isLocal(String registry) {
        String host = registry.toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            host = host.substring(1, Math.max(1, host.indexOf(']')));
        } else if (host.contains(":")) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equals("localhost") || host.matches("127\\.[0-9]+\\.[0-9]+\\.[0-9]+") || host.equals("::1");
    }
}
