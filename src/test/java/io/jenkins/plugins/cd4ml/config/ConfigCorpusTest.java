package io.jenkins.plugins.cd4ml.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.cd4ml.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every invalid configuration of the corpus ({@code src/test/resources/config-corpus}) and
 * checks that exactly the problems its {@code # expect:} lines name are reported, all at once.
 */
class ConfigCorpusTest {

    private static final int MINIMUM_CASES = 45;
    private static final String CASES = "io.jenkins.plugins.cd4ml.config.ConfigCorpusTest#cases";

    static List<ConfigCorpus.Case> cases() {
        return ConfigCorpus.cases();
    }

    private static String listing(String heading, List<String> lines) {
        return heading + lines.stream().map(line -> "\n    " + line).collect(Collectors.joining());
    }

    @Nested
    @DisplayName("loading an invalid configuration")
    class Loading {

        @ParameterizedTest(name = "{0}")
        @MethodSource(CASES)
        void reportsExactlyTheExpectedProblemsInFileOrder(ConfigCorpus.Case corpusCase, @TempDir Path directory) {
            Path project = corpusCase.writeProject(directory);

            Throwable thrown = catchThrowable(() -> ConfigLoader.forProject(project).withEnvironment(Map.of()).load());

            assertThat(thrown)
                    .as(listing(corpusCase + " was accepted, but should report:", corpusCase.expected()))
                    .isInstanceOf(InvalidConfigException.class);
            List<String> actual = ((InvalidConfigException) thrown).problems().stream()
                    .map(ConfigProblem::toString)
                    .toList();
            String report = listing(corpusCase + " expected problems starting with:", corpusCase.expected())
                    + "\n" + listing("but the engine reported:", actual);
            assertThat(actual)
                    .as(report)
                    .hasSameSizeAs(corpusCase.expected())
                    .zipSatisfy(corpusCase.expected(), (problem, prefix) -> assertThat(problem).startsWith(prefix));
        }
    }

    @Nested
    @DisplayName("cd4ml validate on an invalid configuration")
    class ValidateCommand {

        @ParameterizedTest(name = "{0}")
        @MethodSource(CASES)
        void exitsWithTwoAndPrintsEveryPositionWithoutAStackTrace(ConfigCorpus.Case corpusCase,
                @TempDir Path directory) {
            Path project = corpusCase.writeProject(directory);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exitCode = Main.execute(new String[] {"validate", project.toString()}, new PrintWriter(out, true),
                    new PrintWriter(err, true));

            String stderr = err.toString();
            assertThat(exitCode).as("exit code; stderr:%n%s", stderr).isEqualTo(2);
            assertThat(stderr)
                    .as("stderr of cd4ml validate for %s", corpusCase)
                    .contains(corpusCase.expectedPositions())
                    .doesNotContain("\tat ")
                    .doesNotContain("Exception");
        }
    }

    @Nested
    @DisplayName("the corpus itself")
    class TheCorpus {

        @Test
        void baseProjectIsValid(@TempDir Path directory) {
            Path project = ConfigCorpus.copyBase(directory);

            ProjectConfig config = ConfigLoader.forProject(project).withEnvironment(Map.of()).load();

            assertThat(config.name()).isEqualTo("iris-classifier");
            assertThat(config.features().names())
                    .containsExactly("sepal_length", "sepal_width", "petal_length", "petal_width");
        }

        @Test
        void hasAtLeastFortyFiveCases() {
            assertThat(ConfigCorpus.cases()).hasSizeGreaterThanOrEqualTo(MINIMUM_CASES);
        }

        @Test
        void everyCaseStatesWhereItFails() {
            assertThat(ConfigCorpus.cases()).allSatisfy(corpusCase -> {
                assertThat(corpusCase.expected()).as("%s has no '# expect:' line", corpusCase).isNotEmpty();
                assertThat(corpusCase.expectedPositions()).as("positions of %s", corpusCase)
                        .allMatch(position -> position.matches("(config|features)\\.yaml:\\d+:\\d+"));
            });
        }

        @Test
        void caseNamesAreNumberedAndUnique() {
            List<String> names = ConfigCorpus.cases().stream().map(ConfigCorpus.Case::name).toList();
            assertThat(names).allMatch(name -> name.matches("\\d{2,3}-[a-z0-9-]+(\\.features)?\\.yaml"),
                    "NN-short-name.yaml");
            assertThat(names.stream().map(name -> name.substring(0, name.indexOf('-')))).doesNotHaveDuplicates();
        }
    }
}
