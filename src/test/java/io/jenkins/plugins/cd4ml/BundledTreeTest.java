package io.jenkins.plugins.cd4ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled trees (serving app, Helm chart) copy out completely with a class loader like the one
 * a Jenkins agent runs the plugin's engine with: Remoting's {@code RemoteClassLoader} cannot list a
 * directory, and answers {@code getResource} for a resource whose jar is not cached yet with a lone
 * temporary file ({@code File.createTempFile("hudson-remoting", "." + name)}), so walking "the
 * directory of the Dockerfile" finds only unrelated files.
 */
class BundledTreeTest {

    /** Loads the engine's classes itself and hands out every resource as a lone temporary file, as Remoting does. */
    static final class RemotingLikeClassLoader extends ClassLoader {
        private final ClassLoader source = BundledTreeTest.class.getClassLoader();
        private final Path scratch;

        RemotingLikeClassLoader(Path scratch) {
            super(ClassLoader.getPlatformClassLoader());
            this.scratch = scratch;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (!name.startsWith("io.jenkins.plugins.cd4ml.")) {
                    return source.loadClass(name);
                }
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                return c;
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            try (InputStream in = source.getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }

        @Override
        protected URL findResource(String name) {
            try (InputStream in = source.getResourceAsStream(name)) {
                if (in == null) {
                    return null;
                }
                File f = File.createTempFile("hudson-remoting", "." + name.substring(name.lastIndexOf('/') + 1),
                        scratch.toFile());
                Files.write(f.toPath(), in.readAllBytes());
                return f.toURI().toURL();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void invoke(ClassLoader loader, String className, String method, Path target) throws Exception {
        try {
            loader.loadClass(className).getMethod(method, Path.class).invoke(null, target);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    private static boolean hasAny(Path dir, String name) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.anyMatch(p -> p.getFileName().toString().equals(name));
        }
    }

    @Test
    void theServingAppCopiesCompletelyThroughARemotingLikeClassLoader(@TempDir Path tmp) throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("remoting-scratch"));
        ClassLoader agent = new RemotingLikeClassLoader(scratch);
        assertThat(agent.getResource("cd4ml/dockerfiles/serving/Dockerfile").getProtocol())
                .as("the loader answers as Remoting does on a fresh agent").isEqualTo("file");

        Path context = tmp.resolve("context");
        invoke(agent, "io.jenkins.plugins.cd4ml.image.BundledServingApp", "copyTo", context);

        assertThat(context.resolve("Dockerfile")).isRegularFile();
        assertThat(context.resolve("requirements.txt")).isRegularFile();
        assertThat(context.resolve("app/cd4ml_serving/app.py")).isRegularFile();
        assertThat(Files.readString(context.resolve("Dockerfile"))).isEqualTo(Files.readString(
                Path.of(BundledTreeTest.class.getClassLoader().getResource("cd4ml/dockerfiles/serving/Dockerfile")
                        .toURI())));
        assertThat(hasAny(context, "tests")).as("the app's tests stay out of a build context").isFalse();
        assertThat(hasAny(context, BundledTree.INDEX)).as("the index is not part of the tree").isFalse();
    }

    @Test
    void theHelmChartExtractsCompletelyThroughARemotingLikeClassLoader(@TempDir Path tmp) throws Exception {
        ClassLoader agent = new RemotingLikeClassLoader(Files.createDirectories(tmp.resolve("remoting-scratch")));
        Path chart = tmp.resolve("chart");
        invoke(agent, "io.jenkins.plugins.cd4ml.deploy.BundledChart", "extractTo", chart);

        assertThat(chart.resolve("Chart.yaml")).isRegularFile();
        assertThat(chart.resolve("values.schema.json")).isRegularFile();
        assertThat(chart.resolve("templates/deployment.yaml")).isRegularFile();
        assertThat(chart.resolve("templates/tests/test-prediction.yaml")).isRegularFile();
        try (Stream<Path> files = Files.walk(chart)) {
            assertThat(files.filter(Files::isRegularFile).count()).as("every file the index lists")
                    .isEqualTo(BundledTree.files("cd4ml/helm-chart/").size());
        }
    }

    @Test
    void theIndexListsEveryFileOfTheTreeInTheBuild() throws Exception {
        Path root = Path.of(BundledTreeTest.class.getClassLoader().getResource("cd4ml/helm-chart/Chart.yaml").toURI())
                .getParent();
        try (Stream<Path> walk = Files.walk(root)) {
            assertThat(BundledTree.files("cd4ml/helm-chart/")).containsExactlyInAnyOrderElementsOf(walk
                    .filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals(BundledTree.INDEX)).toList());
        }
    }

    @Test
    void aTreeWithoutAnIndexSaysTheJarIsIncomplete() {
        assertThatThrownBy(() -> BundledTree.files("cd4ml/no-such-tree/"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cd4ml/no-such-tree/.cd4ml-bundle-index is not on the classpath");
    }
}
