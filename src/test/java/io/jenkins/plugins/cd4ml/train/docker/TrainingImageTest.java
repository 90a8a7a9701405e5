package io.jenkins.plugins.cd4ml.train.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.docker.DockerClients;
import io.jenkins.plugins.cd4ml.docker.TestDocker;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Getting the training image onto the Docker host: pulling a missing one from the local
 * registry with the credentials of a Docker configuration, and the reference arithmetic.
 */
class TrainingImageTest {

    @Nested
    class References {

        @Test
        void splitsRepositoryAndTagPullingLatestWhenNoneIsGiven() {
            assertThat(TrainingImage.repository("python:3.11-slim")).isEqualTo("python");
            assertThat(TrainingImage.tag("python:3.11-slim")).isEqualTo("3.11-slim");
            String repository = "127.0.0.1:5000/team/trainer";
            assertThat(TrainingImage.repository(repository)).isEqualTo(repository);
            assertThat(TrainingImage.tag(repository)).isEqualTo("latest");
            assertThat(TrainingImage.repository(repository + ":2")).isEqualTo(repository);
            assertThat(TrainingImage.tag(repository + ":2")).isEqualTo("2");
        }

        @Test
        void keepsADigestReferenceWhole() {
            String image = "registry.example.com/trainer@sha256:" + "a".repeat(64);
            assertThat(TrainingImage.repository(image)).isEqualTo(image);
            assertThat(TrainingImage.tag(image)).isNull();
        }
    }

    @Nested
    class Pulling {

        private static final String REGISTRY = System.getenv().getOrDefault("CD4ML_TEST_REGISTRY", "127.0.0.1:5000");
        private static final String USER = System.getenv().getOrDefault("CD4ML_TEST_REGISTRY_USER", "cd4ml");
        private static final Path PASSWORD_FILE = Path.of(System.getenv().getOrDefault(
                "CD4ML_TEST_REGISTRY_PASSWORD_FILE", "/var/lib/cd4ml-test/registry.password"));
        private static final String IMAGE = REGISTRY + "/cd4ml-test/docker-backend-pull:"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));

        private static DockerClient docker;
        private static String password;

        /** Builds a one-file image, pushes it to the registry and removes it from the Docker host. */
        @BeforeAll
        static void pushedButNotLocal(@TempDir Path context) throws Exception {
            docker = TestDocker.client();
            try {
                password = Files.readString(PASSWORD_FILE).strip();
            } catch (IOException e) {
                fail("the test registry's password file " + PASSWORD_FILE + " is missing; run scripts/setup-env");
            }
            TestProjects.write(context.resolve("Dockerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n");
            TestProjects.write(context.resolve("hello.txt"), IMAGE);
            docker.buildImageCmd().withBaseDirectory(context.toFile()).withDockerfile(context.resolve("Dockerfile")
                    .toFile()).withTags(Set.of(IMAGE)).withNetworkMode("host").withPull(false)
                    .exec(new BuildImageResultCallback()).awaitImageId();
            try {
                docker.pushImageCmd(TrainingImage.repository(IMAGE)).withTag(TrainingImage.tag(IMAGE))
                        .withAuthConfig(new AuthConfig().withUsername(USER).withPassword(password)
                                .withRegistryAddress(REGISTRY))
                        .start().awaitCompletion();
            } catch (RuntimeException e) {
                fail("cannot push to the test registry " + REGISTRY + " (" + e.getMessage() + "); run "
                        + "scripts/setup-env, which starts it");
            }
            docker.removeImageCmd(IMAGE).exec();
        }

        @AfterAll
        static void removeLocalCopy() {
            try {
                docker.removeImageCmd(IMAGE).withForce(true).exec();
            } catch (NotFoundException e) {
                // never pulled
            }
        }

        @Test
        void pullsAMissingImageWithDockerConfigCredentialsReportingProgress(@TempDir Path dockerConfig)
                throws Exception {
            String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
            Files.writeString(dockerConfig.resolve("config.json"),
                    "{\"auths\": {\"" + REGISTRY + "\": {\"auth\": \"" + auth + "\"}}}");
            Map<String, String> env = new HashMap<>(TestDocker.environment());
            env.put("DOCKER_CONFIG", dockerConfig.toString());
            List<Event> events = new CopyOnWriteArrayList<>();

            try (DockerClient withCredentials = DockerClients.create(env)) {
                TrainingImage.ensurePresent(withCredentials, IMAGE, events::add);
            }

            assertThat(docker.inspectImageCmd(IMAGE).exec().getId()).startsWith("sha256:");
            assertThat(messages(events, Event.Level.INFO)).first()
                    .isEqualTo("image " + IMAGE + " is not on this Docker host; pulling it");
            assertThat(messages(events, Event.Level.INFO))
                    .anyMatch(m -> m.matches("layer [0-9a-f]+ pulled"))
                    .anyMatch(m -> m.startsWith("Status: Downloaded newer image for " + IMAGE))
                    .last().isEqualTo("pulled image " + IMAGE);

            List<Event> again = new CopyOnWriteArrayList<>();
            TrainingImage.ensurePresent(docker, IMAGE, again::add);
            assertThat(again).as("an image on the host is used as it is").isEmpty();
        }

        @Test
        void explainsWhyAnImageCouldNotBePulled(@TempDir Path emptyDockerConfig) throws Exception {
            String missing = IMAGE + "-missing";
            Map<String, String> env = new HashMap<>(TestDocker.environment());
            env.put("DOCKER_CONFIG", emptyDockerConfig.toString());

            try (DockerClient withoutCredentials = DockerClients.create(env)) {
                assertThatThrownBy(() -> TrainingImage.ensurePresent(withoutCredentials, missing, e -> { }))
                        .isInstanceOf(Cd4mlException.class)
                        .hasMessageStartingWith("image " + missing + " is not on this Docker host and could not be "
                                + "pulled: ")
                        .hasMessageContaining("no basic auth credentials");
            }
        }

        private static List<String> messages(List<Event> events, Event.Level level) {
            return events.stream().filter(e -> e instanceof Event.Message m && m.level() == level)
                    .map(e -> ((Event.Message) e).text()).toList();
        }
    }
}
