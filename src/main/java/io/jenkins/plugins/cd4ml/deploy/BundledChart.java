package io.jenkins.plugins.cd4ml.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
        URL chartYaml = BundledChart.class.getClassLoader().getResource(RESOURCE_ROOT + "Chart.yaml");
        if (chartYaml == null) {
            throw new IllegalStateException(RESOURCE_ROOT + "Chart.yaml is not on the classpath; this cd4ml build "
                    + "lacks the Helm chart (the jar must be built with mvn package)");
        }
        try {
            URI uri = chartYaml.toURI();
            if (!uri.getScheme().equals("jar")) {
                copyTree(Path.of(uri).getParent(), target);
                return target;
            }
            FileSystem jar;
            boolean opened = false;
            try {
                jar = FileSystems.newFileSystem(uri, Map.of());
                opened = true;
            } catch (FileSystemAlreadyExistsException e) {
                jar = FileSystems.getFileSystem(uri);
            }
            try {
                copyTree(jar.getPath("/" + RESOURCE_ROOT), target);
            } finally {
                if (opened) {
                    jar.close();
                }
            }
            return target;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("unusable resource URL " + chartYaml, e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the bundled Helm chart to " + target, e);
        }
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

    private static void copyTree(Path root, Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path source : walk.toList()) {
                Path destination = target.resolve(root.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(destination);
                } else {
                    Files.createDirectories(destination.getParent());
                    Files.copy(source, destination);
                }
            }
        }
    }
}
