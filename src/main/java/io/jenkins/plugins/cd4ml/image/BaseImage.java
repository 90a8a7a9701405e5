package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.nio.file.Path;

/**
 * The image a serving image starts from, and where a builder gets it.
 *
 * <p>Written as Jib's CLI writes it: {@code registry://name} or a plain name (a registry),
 * {@code docker://name} (the local Docker daemon), {@code tar:///path/image.tar} (a
 * {@code docker save} tarball). The docker builder hands the name to the daemon, which uses its
 * local image or pulls it; Jib reads it from where the prefix says.
 *
 * @param reference the image name (for {@code TARBALL}, the file path)
 */
public record BaseImage(Source source, String reference) {

    /** The base image the Dockerfile names when none is configured. */
    public static final String DEFAULT = "python:3.11-slim";

    /** Where the base image is read from. */
    public enum Source { REGISTRY, DOCKER_DAEMON, TARBALL }

    /** Parses {@code registry://}, {@code docker://}, {@code tar://} or a plain name. */
    public static BaseImage parse(String text) {
        String t = text.strip();
        if (t.startsWith("registry://")) {
            return new BaseImage(Source.REGISTRY, nonEmpty(t.substring("registry://".length()), text));
        }
        if (t.startsWith("docker://")) {
            return new BaseImage(Source.DOCKER_DAEMON, nonEmpty(t.substring("docker://".length()), text));
        }
        if (t.startsWith("tar://")) {
            return new BaseImage(Source.TARBALL, nonEmpty(t.substring("tar://".length()), text));
        }
        return new BaseImage(Source.REGISTRY, nonEmpty(t, text));
    }

    /** The registry the base image is pulled from (only meaningful for {@code REGISTRY}). */
    public String registry() {
        return ImageNames.registry(reference);
    }

    /** The tarball path of a {@code TARBALL} base image. */
    public Path tarball() {
        return Path.of(reference);
    }

    @Override
    public String toString() {
        return switch (source) {
            case REGISTRY -> reference;
            case DOCKER_DAEMON -> "docker://" + reference;
            case TARBALL -> "tar://" + reference;
        };
    }

    private static String nonEmpty(String reference, String text) {
        if (reference.isBlank()) {
            throw Cd4mlException.badInput("'" + text + "' names no base image", "write e.g. python:3.11-slim, "
                    + "docker://my/base:1 (from the Docker daemon) or tar:///path/base.tar");
        }
        return reference;
    }
}
