package io.jenkins.plugins.cd4ml.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding and pinging the Docker daemon, against the real engine and a socket nobody serves. */
class DockerClientsTest {

    @Nested
    class FindingTheDaemon {

        @Test
        void usesTheStandardSocketWithoutDockerHost() {
            assertThat(DockerClients.host(Map.of())).isEqualTo("unix:///var/run/docker.sock");
            assertThat(DockerClients.host(Map.of("DOCKER_HOST", " "))).isEqualTo(DockerClients.DEFAULT_HOST);
        }

        @Test
        void usesDockerHost() {
            assertThat(DockerClients.host(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376")))
                    .isEqualTo("tcp://127.0.0.1:2376");
        }

        @Test
        void rejectsAnAddressThatIsNotADaemon() {
            assertThatThrownBy(() -> DockerClients.create(Map.of("DOCKER_HOST", "http://example.org")))
                    .isInstanceOf(Cd4mlException.class)
                    .hasMessage("DOCKER_HOST 'http://example.org' is not a Docker daemon address")
                    .satisfies(e -> assertThat(((Cd4mlException) e).isUserError()).isTrue());
        }
    }

    @Nested
    class Pinging {

        @Test
        void theRealDaemonAnswers() throws Exception {
            TestDocker.client();
            try (DockerClient client = DockerClients.create(TestDocker.environment())) {
                assertThat(DockerClients.isAvailable(client)).isTrue();
                DockerClients.requireAvailable(client);
                assertThat(client.versionCmd().exec().getApiVersion()).isNotBlank();
            }
        }

        @Test
        void aSocketNobodyServesIsUnavailableWithAHelpfulError(@TempDir Path tmp) throws Exception {
            String host = "unix://" + tmp.resolve("docker.sock");
            try (DockerClient client = DockerClients.create(Map.of("DOCKER_HOST", host))) {
                assertThat(DockerClients.isAvailable(client)).isFalse();
                assertThatThrownBy(() -> DockerClients.requireAvailable(client))
                        .isInstanceOf(Cd4mlException.class)
                        .hasMessage("cannot reach the Docker daemon at " + host + ": No such file or directory")
                        .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).get().asString()
                                .contains("DOCKER_HOST"));
            }
        }

        @Test
        void sharesOneClientPerDaemon() {
            Map<String, String> env = Map.of("DOCKER_HOST", "unix:///run/some/other.sock");
            assertThat(DockerClients.shared(env)).isSameAs(DockerClients.shared(Map.copyOf(env)))
                    .isNotSameAs(DockerClients.shared(Map.of()));
        }
    }

    @Nested
    class DaemonErrors {

        @Test
        void unwrapsTheDaemonsJsonMessage() {
            assertThat(DockerErrors.daemonMessage("Status 404: {\"message\":\"No such image: x:1\"}\n"))
                    .isEqualTo("No such image: x:1");
        }

        @Test
        void keepsOtherTextUnchanged() {
            assertThat(DockerErrors.daemonMessage("Connection refused")).isEqualTo("Connection refused");
            assertThat(DockerErrors.daemonMessage("Status 500: plain")).isEqualTo("plain");
        }
    }
}
