package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.BundledTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Helm chart every model is deployed with, as bundled in the cd4ml jar under
 * {@code cd4ml/helm-chart/} (the repository's {@code resources/helm-chart/}), copied out to a
 * directory because Helm reads charts from disk.
 */
public final class BundledChart {

    static final String RESOURCE_ROOT = "cd4ml/helm-chart/";
    private static final Pattern VERSION = Pattern.compile("(?m)^version:\\s*\"?([^\"\\s]+)\"?\\s*$");

    private BundledChart() {
    }

    /**
     * Copies the chart into {@code target} (created if needed) and returns it.
     *
     * @throws IllegalStateException if this cd4ml build lacks the chart
     */
    public static Path extractTo(Path target) {
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + target + " for the bundled Helm chart", e);
        }
        // file by file from the build's index, so a class loader that cannot list directories (a
        // Jenkins agent's) extracts the whole chart too
        BundledTree.copy(RESOURCE_ROOT, target, relative -> true);
        return target;
    }

    /** The {@code version} of an extracted chart's {@code Chart.yaml}. */
    public static String version(Path chart) {
        try {
            Matcher m = VERSION.matcher(Files.readString(chart.resolve("Chart.yaml"), StandardCharsets.UTF_8));
            if (!m.find()) {
                throw new IllegalStateException(chart.resolve("Chart.yaml") + " has no version");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
