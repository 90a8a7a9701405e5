package io.jenkins.plugins.cd4ml.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Builds small real projects in a temporary directory, and finds the repository's own files. */
public final class TestProjects {

    public static final String PYTHON = "/usr/bin/python3";

    private TestProjects() {
    }

    /** The tune section of a random search maximising {@code metric} over x in [0, 1]. */
    public static String randomSearchOfX(String metric, int maxTrials, int parallelTrials) {
        return """
                objective: {metric: %s, goal: maximize}
                strategy: random
                max_trials: %d
                parallel_trials: %d
                parameters:
                  x: {type: float, min: 0, max: 1}
                """.formatted(metric, maxTrials, parallelTrials);
    }

    /** A kubeconfig whose one context reaches the API server at {@code server} with a dummy token. */
    public static String kubeconfigFor(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: '%s'}}]
                users: [{name: u, user: {token: never-checked}}]
                contexts: [{name: ctx, context: {cluster: c, user: u, namespace: default}}]
                current-context: ctx
                """.formatted(server);
    }

    /** The repository root (set by surefire; the working directory otherwise). */
    public static Path repository() {
        return Path.of(System.getProperty("cd4ml.repo", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /**
     * A minimal valid project whose training script is {@code trainPy}, with one float feature,
     * one CSV channel and an {@code accuracy} metric.
     */
    public static Path project(Path dir, String trainPy, String extraTrainConfig) {
        write(dir.resolve("config.yaml"), """
                version: 1
                project:
                  name: demo
                model:
                  target: y
                train:
                  channels: {train: data/d.csv}
                  hyperparameters: {alpha: 0.5, depth: 3, flag: true}
                  metrics:
                    - {name: accuracy, regex: 'accuracy=([0-9.]+)'}
                """ + extraTrainConfig.indent(2));
        write(dir.resolve("features.yaml"), "features:\n  - {name: x, type: float}\n");
        write(dir.resolve("data/d.csv"), "x,y\n1,0\n2,1\n");
        write(dir.resolve("train.py"), trainPy);
        return dir;
    }

    /**
     * A training script that fails the SageMaker way: it writes {@code failureText} to
     * {@code $SM_OUTPUT_DIR/failure}, then exits with {@code exitCode}.
     */
    public static String trainPyWritingFailure(String failureText, int exitCode) {
        String literal = '"' + failureText.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        return """
                import os, sys
                open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w").write(%s)
                sys.exit(%d)
                """.formatted(literal, exitCode);
    }

    /** Copies a directory of the repository (such as examples/iris), without its {@code .cd4ml/}, into {@code target}. */
    public static Path copyOf(String repositoryPath, Path target) {
        Path source = repository().resolve(repositoryPath);
        return copyTree(source, target, p -> !p.toString().contains("/.cd4ml"));
    }

    /** Copies the files and directories below {@code source} that {@code include} accepts into {@code target}, replacing files there. */
    public static Path copyTree(Path source, Path target, Predicate<Path> include) {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.filter(include).toList()) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    public static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces {@code text} (which must be there) with {@code replacement} in {@code file}. */
    public static void replaceIn(Path file, String text, String replacement) {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            if (!content.contains(text)) {
                throw new IllegalStateException(file + " does not contain " + text);
            }
            Files.writeString(file, content.replace(text, replacement), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails with install instructions unless Debian's Python has the ML packages. */
    public static void requirePythonMl() {
        String probe = "import sklearn, pandas, joblib";
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", probe).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                fail("this test trains a real scikit-learn model with " + PYTHON + ", which cannot '" + probe
                        + "':\n" + out + "\nInstall the packages: apt-get install python3-sklearn python3-pandas "
                        + "python3-joblib (scripts/test does this for you)");
            }
        } catch (IOException e) {
            fail(PYTHON + " is missing; install it with apt-get install python3 (scripts/test does this for you)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }
}
