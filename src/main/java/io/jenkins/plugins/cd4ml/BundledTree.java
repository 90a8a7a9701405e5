package io.jenkins.plugins.cd4ml;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A directory tree bundled in the cd4ml jar (the serving app, the Helm chart), copied out file by
 * file.
 *
 * <p>The build lists each tree's files in {@code <root>/.cd4ml-bundle-index} (root {@code pom.xml},
 * execution {@code bundled-tree-index}), and every file is read with
 * {@link ClassLoader#getResourceAsStream}. That works with any class loader, including one that
 * cannot list a directory or hand out a {@code jar:} URL: on a Jenkins agent the plugin's classes
 * come through Remoting, whose class loader answers {@code getResource} for a resource not yet in
 * its jar cache with a lone temporary file, so walking "the directory of the Dockerfile" would find
 * nothing there.
 */
public final class BundledTree {

    /** The file, in each bundled root, that lists the tree's files (relative, {@code /}-separated). */
    public static final String INDEX = ".cd4ml-bundle-index";

    private BundledTree() {
    }

    /**
     * The files of the tree at {@code root} (such as {@code cd4ml/helm-chart/}), relative to it.
     *
     * @throws IllegalStateException if the jar has no index for {@code root} (it was not built with Maven)
     */
    public static List<String> files(String root) {
        try (InputStream in = loader().getResourceAsStream(root + INDEX)) {
            if (in == null) {
                throw new IllegalStateException(root + INDEX + " is not on the classpath; this cd4ml build lacks the "
                        + "bundled " + root + " tree (the jar must be built with mvn package)");
            }
            List<String> files = new ArrayList<>();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!line.isBlank()) {
                        files.add(line.strip());
                    }
                }
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + root + INDEX, e);
        }
    }

    /**
     * Copies the files of the tree at {@code root} that {@code include} accepts (given their
     * relative path) into {@code target}, creating directories as needed and replacing files there.
     */
    public static void copy(String root, Path target, Predicate<String> include) {
        for (String relative : files(root)) {
            if (!include.test(relative)) {
                continue;
            }
            Path destination = target.resolve(relative).normalize();
            if (!destination.startsWith(target.normalize())) {
                throw new IllegalStateException(root + INDEX + " names " + relative + ", outside the tree");
            }
            try (InputStream in = loader().getResourceAsStream(root + relative)) {
                if (in == null) {
                    throw new IllegalStateException(root + relative + " is listed in " + root + INDEX
                            + " but is not on the classpath; the cd4ml jar is incomplete");
                }
                Files.createDirectories(destination.getParent());
                Files.copy(in, destination, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("could not copy " + root + relative + " to " + destination, e);
            }
        }
    }

    private static ClassLoader loader() {
        return BundledTree.class.getClassLoader();
    }
}
