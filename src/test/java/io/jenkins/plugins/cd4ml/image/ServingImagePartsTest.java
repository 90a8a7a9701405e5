package io.jenkins.plugins.cd4ml.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces of a serving image build that need no Docker daemon or registry. */
class ServingImagePartsTest {

    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07Z");

    @Nested
    class TagTemplates {

        @Test
        void fillsEveryPlaceholder() {
            assertThat(TagTemplate.fill("{git_short_sha}-{build_number}-{model_version}-{date}",
                    new TagTemplate.Values(Optional.of("abc1234"), Optional.of("42"), Optional.of("3f2a9c1b7d4e"), NOW)))
                    .isEqualTo("abc1234-42-3f2a9c1b7d4e-20260304");
        }

        @Test
        void withoutGitSaysSoAndSuggestsTheModelVersion() {
            assertThatThrownBy(() -> TagTemplate.fill("{git_short_sha}",
                    new TagTemplate.Values(Optional.empty(), Optional.empty(), Optional.of("v"), NOW)))
                    .isInstanceOfSatisfying(Cd4mlException.class, e -> {
                        assertThat(e.isUserError()).isTrue();
                        assertThat(e.getMessage()).contains("{git_short_sha} needs a Git commit");
                        assertThat(e.suggestion().orElseThrow()).contains("--tag '{model_version}'");
                    });
        }

        @Test
        void reportsEveryPlaceholderThatCannotBeFilledAtOnce() {
            assertThatThrownBy(() -> TagTemplate.fill("{git_short_sha}-{build_number}",
                    new TagTemplate.Values(Optional.empty(), Optional.empty(), Optional.empty(), NOW)))
                    .hasMessageContaining("{git_short_sha} needs a Git commit")
                    .hasMessageContaining("BUILD_NUMBER is not set");
        }

        @Test
        void rejectsAResultThatIsNoTag() {
            assertThatThrownBy(() -> TagTemplate.fill("b{build_number}",
                    new TagTemplate.Values(Optional.empty(), Optional.of("1 2"), Optional.empty(), NOW)))
                    .hasMessageContaining("'b1 2'").hasMessageContaining("is not a valid image tag");
        }

        @Test
        void checksBeforeTrainingWithoutTheModelVersion() {
            TagTemplate.checkFillable("{model_version}-{date}",
                    new TagTemplate.Values(Optional.empty(), Optional.empty(), Optional.empty(), NOW));
        }
    }

    @Nested
    class Names {

        @Test
        void splitsReferencesLikeDocker() {
            assertThat(ImageNames.registry("acme/iris:1")).isEqualTo("docker.io");
            assertThat(ImageNames.registry("python:3.11-slim")).isEqualTo("docker.io");
            assertThat(ImageNames.registry("127.0.0.1:5000/a/b:1")).isEqualTo("127.0.0.1:5000");
            assertThat(ImageNames.registry("localhost/a")).isEqualTo("localhost");
            assertThat(ImageNames.registry("ghcr.io/acme/iris")).isEqualTo("ghcr.io");
            assertThat(ImageNames.repository("127.0.0.1:5000/a/b:1")).isEqualTo("127.0.0.1:5000/a/b");
            assertThat(ImageNames.repository("host:5000/a@sha256:ab")).isEqualTo("host:5000/a");
            assertThat(ImageNames.tag("host:5000/a")).isEqualTo("latest");
            assertThat(ImageNames.tag("host:5000/a:v1")).isEqualTo("v1");
        }

        @Test
        void onlyRegistriesOnThisMachineAreLocal() {
            assertThat(ImageNames.isLocal("127.0.0.1:5000")).isTrue();
            assertThat(ImageNames.isLocal("localhost:5000")).isTrue();
            assertThat(ImageNames.isLocal("[::1]:5000")).isTrue();
            assertThat(ImageNames.isLocal("10.0.0.1:5000")).isFalse();
            assertThat(ImageNames.isLocal("docker.io")).isFalse();
            assertThat(ImageNames.isLocal("localhost.example.com")).isFalse();
        }

        @Test
        void baseImagesSayWhereTheyComeFrom() {
            assertThat(BaseImage.parse("python:3.11-slim").source()).isEqualTo(BaseImage.Source.REGISTRY);
            assertThat(BaseImage.parse("registry://h:5000/p:1")).isEqualTo(
                    new BaseImage(BaseImage.Source.REGISTRY, "h:5000/p:1"));
            assertThat(BaseImage.parse("docker://cd4ml-test/python-base:bookworm")).isEqualTo(
                    new BaseImage(BaseImage.Source.DOCKER_DAEMON, "cd4ml-test/python-base:bookworm"));
            assertThat(BaseImage.parse("tar:///tmp/base.tar").tarball()).isEqualTo(Path.of("/tmp/base.tar"));
            assertThatThrownBy(() -> BaseImage.parse("docker://")).hasMessageContaining("names no base image");
        }
    }

    @Nested
    class Credentials {

        @Test
        void environmentCredentialsApplyOnlyToThePushRegistry() {
            RegistryCredentials chain = RegistryCredentials.defaults("registry.example.com", Map.of(
                    "CD4ML_REGISTRY_USERNAME", "ci", "CD4ML_REGISTRY_PASSWORD", "s3cr3t-token",
                    "DOCKER_CONFIG", "/nonexistent"));
            assertThat(chain.find("registry.example.com")).hasValueSatisfying(c -> {
                assertThat(c.username()).isEqualTo("ci");
                assertThat(c.source()).isEqualTo("CD4ML_REGISTRY_USERNAME/CD4ML_REGISTRY_PASSWORD");
            });
            assertThat(chain.find("docker.io")).isEmpty();
        }

        @Test
        void explicitCredentialsComeFirstThenTheDockerConfig(@TempDir Path dir) throws Exception {
            String auth = Base64.getEncoder().encodeToString("cfg-user:cfg-password".getBytes(StandardCharsets.UTF_8));
            Files.writeString(dir.resolve("config.json"), "{\"auths\": {\"registry.example.com\": {\"auth\": \""
                    + auth + "\"}, \"https://index.docker.io/v1/\": {\"auth\": \"" + auth + "\"}}}");
            Map<String, String> env = Map.of("DOCKER_CONFIG", dir.toString());
            RegistryCredentials chain = RegistryCredentials.explicit("registry.example.com", "me", "typed-secret",
                    "--registry-username").orElse(RegistryCredentials.defaults("registry.example.com", env));
            assertThat(chain.find("registry.example.com").orElseThrow().username()).isEqualTo("me");
            assertThat(chain.find("docker.io")).hasValueSatisfying(c -> {
                assertThat(c.username()).isEqualTo("cfg-user");
                assertThat(c.password()).isEqualTo("cfg-password");
                assertThat(c.source()).startsWith("Docker config ");
            });
            assertThat(RegistryCredentials.defaults("registry.example.com", env).find("registry.example.com")
                    .orElseThrow().username()).isEqualTo("cfg-user");
        }

        @Test
        void aCredentialNeverShowsItsPassword() {
            assertThat(new RegistryCredential("u", "hunter2-password", "x").toString())
                    .doesNotContain("hunter2").contains("****");
        }

        @Test
        void secretsAreRedactedFromEvents() {
            SecretRedactor redactor = SecretRedactor.of(List.of("registry-pass-123"), Map.of(
                    "AWS_SECRET_ACCESS_KEY", "aws-secret-456", "HOME", "/root-home-dir"));
            List<Event> seen = new ArrayList<>();
            EventSink sink = redactor.redacting(seen::add);
            sink.accept(new Event.LogLine("x", "login registry-pass-123 and aws-secret-456 at /root-home-dir"));
            sink.warn("registry-pass-123");
            assertThat(seen.toString()).doesNotContain("registry-pass-123", "aws-secret-456")
                    .contains("/root-home-dir", SecretRedactor.MASK);
        }

        @Test
        void sourceUrlsLoseTheirCredentials() {
            assertThat(ImageLabels.sourceUrl("https://user:tok3n@github.com/acme/iris.git"))
                    .contains("https://github.com/acme/iris.git");
            assertThat(ImageLabels.sourceUrl("git@github.com:acme/iris.git")).contains("git@github.com:acme/iris.git");
            assertThat(ImageLabels.sourceUrl(" ")).isEmpty();
        }
    }

    @Nested
    class Context {

        @Test
        void holdsTheBundledServerAndTheModelWorldReadableWithFixedTimes(@TempDir Path tmp) throws Exception {
            Path project = TestProjects.copyOf("examples/iris", tmp.resolve("iris"));
            ProjectConfig config = ConfigLoader.forProject(project).withEnvironment(System.getenv()).load();
            Path modelDir = Files.createDirectories(tmp.resolve("m"));
            Files.writeString(modelDir.resolve("model.joblib"), "not really a model");
            Path archive = tmp.resolve("model.tar.gz");
            ModelArchive.write(modelDir, manifest().withEnvironment(new ModelManifest.TrainingEnvironment("3.12.1",
                    new LinkedHashMap<>(Map.of("scikit-learn", "1.4.2")))), archive);
            Path context = Files.createDirectories(tmp.resolve("context"));
            Files.setPosixFilePermissions(context, PosixFilePermissions.fromString("rwx------"));

            BuildContext.Contents contents = BuildContext.assemble(context, archive, config, EventSink.NONE);

            assertThat(contents.manifest().version()).isEqualTo("3f2a9c1b7d4e");
            assertThat(contents.projectRequirements()).containsExactly("scikit-learn", "pandas", "joblib");
            assertThat(context.resolve("Dockerfile")).isRegularFile();
            assertThat(context.resolve("app/cd4ml_serving/__main__.py")).isRegularFile();
            assertThat(context.resolve("model/model.joblib")).hasContent("not really a model");
            assertThat(context.resolve("model/model.json")).content().contains("\"version\" : \"3f2a9c1b7d4e\"");
            assertThat(context.resolve("model/features.yaml")).hasSameTextualContentAs(project.resolve("features.yaml"));
            assertThat(context.resolve("model/predict.py")).hasSameTextualContentAs(project.resolve("predict.py"));
            assertThat(Files.readAllLines(context.resolve("constraints.txt")))
                    .as("the training versions, as pip constraints").contains("scikit-learn==1.4.2")
                    .filteredOn(line -> !line.startsWith("#")).containsExactly("scikit-learn==1.4.2");
            assertThat(Files.readString(context.resolve("requirements.txt"))).contains("fastapi",
                    "# from iris-classifier's requirements.txt\nscikit-learn");
            try (Stream<Path> walk = Files.walk(context)) {
                for (Path p : walk.toList()) {
                    String relative = context.relativize(p).toString();
                    assertThat(relative).doesNotContain("__pycache__", "tests", ".pyc", "pytest");
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                            .as(relative).isIn("rwxr-xr-x", "rw-r--r--");
                    assertThat(Files.getLastModifiedTime(p)).as(relative).isEqualTo(BuildContext.FIXED_TIME);
                }
            }
        }

        @Test
        void theLayoutMatchesTheBundledDockerfile(@TempDir Path tmp) throws Exception {
            BundledServingApp.copyTo(tmp);
            List<String> lines = Files.readAllLines(tmp.resolve("Dockerfile"));
            String text = String.join("\n", lines);
            assertThat(text).contains("USER " + ServingImageLayout.USER, "EXPOSE " + ServingImageLayout.PORT,
                    "ENTRYPOINT [\"" + String.join("\", \"", ServingImageLayout.ENTRYPOINT) + "\"]",
                    "CMD [\"" + String.join("\", \"", ServingImageLayout.COMMAND) + "\"]",
                    "COPY app/ " + ServingImageLayout.IMAGE_APP + "/",
                    "COPY requirements.txt " + ServingImageLayout.IMAGE_REQUIREMENTS,
                    "COPY constraints.txt " + ServingImageLayout.IMAGE_CONSTRAINTS,
                    "-c " + ServingImageLayout.IMAGE_CONSTRAINTS);
            ServingImageLayout.environment().forEach((k, v) -> assertThat(text).containsPattern(k + "=" + v + "\\b"));
            List<String> copies = lines.stream().filter(l -> l.startsWith("COPY ")).toList();
            assertThat(copies.get(copies.size() - 1)).isEqualTo("COPY model/ " + ServingImageLayout.IMAGE_MODEL + "/");
        }
    }

    static ModelManifest manifest() {
        return new ModelManifest(ModelManifest.SCHEMA, "iris-classifier", "3f2a9c1b7d4e", "sha256:3f2a9c1b7d4e" + "0".repeat(52),
                NOW, Optional.empty(), "species", List.of("setosa", "versicolor", "virginica"), Optional.empty(),
                List.of(), Map.of("max_depth", "4"), Map.of("accuracy", 0.97), new ModelManifest.BackendInfo("local",
                        "pid-1"), "iris-classifier-20260304-050607-abcd");
    }
}
