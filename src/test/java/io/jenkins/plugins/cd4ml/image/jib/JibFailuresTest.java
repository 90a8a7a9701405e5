package io.jenkins.plugins.cd4ml.image.jib;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.RegistryException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.image.BaseImage;
import io.jenkins.plugins.cd4ml.image.ImageBuildRequest;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which registry a failure is about. Name lookups of other hosts are not made here (loopback
 * only), so the exceptions are the ones Jib's HTTP client throws, built by hand.
 */
class JibFailuresTest {

    private static ImageBuildRequest request(String base) {
        return new ImageBuildRequest("registry.example.com:5000/acme/iris:1", Path.of("context"),
                BaseImage.parse(base), Map.of(), Instant.EPOCH, true, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of(), false);
    }

    private static Throwable unknownHost(String host) {
        return new RegistryException("I/O error", new UnknownHostException(host + ": Name or service not known"));
    }

    @Test
    void anUnknownHostOtherThanThePushRegistryIsTheBaseImagesAndSuggestsTheDaemon() {
        Cd4mlException e = JibFailures.explain(unknownHost("registry-1.docker.io"), request("team/python-ml:3.11"));

        assertThat(e.getMessage()).startsWith("cannot reach the registry docker.io of the base image team/python-ml:3.11");
        assertThat(e.suggestion().orElseThrow()).contains("--base-image docker://team/python-ml:3.11");
    }

    @Test
    void anUnknownPushRegistryIsNamedAsSuch() {
        Cd4mlException e = JibFailures.explain(unknownHost("registry.example.com"), request("team/python-ml:3.11"));

        assertThat(e.getMessage()).startsWith("cannot reach the registry registry.example.com:5000 for "
                + "registry.example.com:5000/acme/iris:1");
        assertThat(e.suggestion().orElseThrow()).doesNotContain("docker://");
    }

    @Test
    void aBaseFromTheDaemonIsNeverBlamedOnARegistry() {
        Cd4mlException e = JibFailures.explain(unknownHost("registry.example.com"), request("docker://team/python-ml:3.11"));

        assertThat(e.getMessage()).contains("for registry.example.com:5000/acme/iris:1");
    }
}
