package io.jenkins.plugins.cd4ml.config;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration corpus in {@code src/test/resources/config-corpus}: a valid background
 * project ({@code base/}) and invalid files ({@code invalid/}) that each state the problems they
 * must produce in {@code # expect: FILE:LINE:COL: SETTING: MESSAGE} comment lines.
 */
final class ConfigCorpus {

    static final String EXPECT = "# expect: ";
    private static final String FEATURES_SUFFIX = ".features.yaml";
    private static final Pattern POSITION = Pattern.compile("^([^:\\s]+:\\d+:\\d+): ");

    private ConfigCorpus() {
    }

    /**
     * One invalid file of the corpus.
     *
     * @param expected the expected {@code ConfigProblem.toString()} prefixes, in file order
     */
    record Case(String name, Path file, List<String> expected) {

        /** True when the file replaces the project's features.yaml instead of its config.yaml. */
        boolean replacesFeatures() {
            return name.endsWith(FEATURES_SUFFIX);
        }

        /** The {@code file:line:column} each expected problem starts with. */
        List<String> expectedPositions() {
            return expected.stream().map(line -> {
                Matcher m = POSITION.matcher(line);
                if (!m.find()) {
                    throw new IllegalStateException(name + ": expectation has no file:line:column: " + line);
                }
                return m.group(1);
            }).toList();
        }

        /** Copies the base project into {@code directory} and puts this case in place. */
        Path writeProject(Path directory) {
            copyBase(directory);
            String target = replacesFeatures() ? "features.yaml" : "config.yaml";
            try {
                Files.copy(file, directory.resolve(target), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return directory;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Path root() {
        URL url = ConfigCorpus.class.getResource("/config-corpus");
        if (url == null) {
            throw new IllegalStateException("config-corpus is not on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every invalid case, sorted by file name. */
    static List<Case> cases() {
        try (Stream<Path> files = Files.list(root().resolve("invalid"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml"))
                    .sorted()
                    .map(ConfigCorpus::readCase)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Case readCase(Path file) {
        try {
            List<String> expected = Files.readAllLines(file).stream()
                    .filter(line -> line.startsWith(EXPECT))
                    .map(line -> line.substring(EXPECT.length()))
                    .toList();
            return new Case(file.getFileName().toString(), file, expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies {@code base/} (config.yaml, features.yaml, train.py, data/) into {@code directory}. */
    static Path copyBase(Path directory) {
        return TestProjects.copyTree(root().resolve("base"), directory, p -> true);
    }
}
