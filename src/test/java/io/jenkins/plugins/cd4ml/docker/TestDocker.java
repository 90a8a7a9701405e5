package io.jenkins.plugins.cd4ml.docker;

import static org.assertj.core.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.Map;

/**
 * The real Docker engine the tests use, and the local Python base image (nothing can be pulled
 * from Docker Hub here). Missing either is a failure with the fix, never a skip.
 */
public final class TestDocker {

    private static final String SETUP = "run scripts/setup-env (as root), which starts dockerd with host "
            + "networking only and builds the base image, or run the tests through scripts/test";
    private static DockerClient client;

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
}
