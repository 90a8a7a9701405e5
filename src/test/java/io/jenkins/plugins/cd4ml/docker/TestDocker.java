package io.jenkins.plugins.cd4ml.docker;

import static org.assertj.core.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The real Docker engine the tests use, and the local Python base image (nothing can be pulled
 * from Docker Hub here). Missing either is a failure with the fix, never a skip.
 */
public final class TestDocker {

    private static final String SETUP = "run scripts/setup-env (as root), which starts dockerd with host "
            + "networking only and builds the base image, or run the tests through scripts/test";
    private static final String PIP_IMAGE = "cd4ml-test/python-pip:bookworm";
    private static final Path DIST_PACKAGES = Path.of("/usr/lib/python3/dist-packages");
    private static DockerClient client;
    private static boolean pipImageBuilt;

    private TestDocker() {
    }

    /** The environment the tests hand to code that finds the daemon itself. */
    public static Map<String, String> environment() {
        String host = System.getenv("DOCKER_HOST");
        return host == null ? Map.of() : Map.of("DOCKER_HOST", host);
    }

    /** A client of the test daemon, checked to answer; shared by all tests. */
    public static synchronized DockerClient client() {
        if (client == null) {
            DockerClient created = DockerClients.create(environment());
            if (!DockerClients.isAvailable(created)) {
                fail("these tests need a running Docker daemon at " + DockerClients.host(environment()) + "; "
                        + SETUP);
            }
            client = created;
        }
        return client;
    }

    /** The Python base image ({@code CD4ML_TEST_BASE_IMAGE}), checked to be on the daemon's host. */
    public static String baseImage() {
        String image = System.getenv().getOrDefault("CD4ML_TEST_BASE_IMAGE", "cd4ml-test/python-base:bookworm");
        try {
            client().inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            fail("the test base image " + image + " is not on the Docker host; " + SETUP);
        }
        return image;
    }

    /**
     * The base image plus Debian's pip, copied from this machine (the base has no pip; both are
     * bookworm's Python 3.11): for tests of installing {@code requirements.txt}. Built once per
     * test run; the daemon's build cache makes that quick.
     */
    public static synchronized String imageWithPip() {
        String base = baseImage();
        if (pipImageBuilt) {
            return PIP_IMAGE;
        }
        StringBuilder dockerfile = new StringBuilder("FROM " + base + "\n");
        Path context = null;
        try {
            context = Files.createTempDirectory("cd4ml-pip-image");
            for (Path source : pipPaths()) {
                String path = source.toString();
                TestProjects.copyTree(source, context.resolve(path.substring(1)), p -> true);
                dockerfile.append("COPY ").append(path.substring(1)).append(' ').append(path).append('\n');
            }
            Files.writeString(context.resolve("Dockerfile"), dockerfile);
            client().buildImageCmd(context.toFile()).withTags(Set.of(PIP_IMAGE)).withNetworkMode("host")
                    .exec(new BuildImageResultCallback()).awaitImageId();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TemporaryDirectory.deleteQuietly(context);
        }
        pipImageBuilt = true;
        return PIP_IMAGE;
    }

    /** Debian's pip on this machine (python3-pip): the module, its metadata and the wheels it loads its dependencies from. */
    private static List<Path> pipPaths() throws IOException {
        Path wheels = Path.of("/usr/share/python-wheels");
        if (!Files.isDirectory(DIST_PACKAGES.resolve("pip")) || !Files.isDirectory(wheels)) {
            fail("Debian's pip is missing: install python3-pip (scripts/setup-env does)");
        }
        try (Stream<Path> entries = Files.list(DIST_PACKAGES)) {
            List<Path> paths = new ArrayList<>(entries.filter(p -> p.getFileName().toString().equals("pip")
                    || p.getFileName().toString().matches("pip-[0-9.]+\\.dist-info")).sorted().toList());
            paths.add(wheels);
            return paths;
        }
    }
}
