package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PushResponseItem;
import io.jenkins.plugins.cd4ml.docker.TestDocker;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How every front end names the image it deploys (the CLI's {@code deploy --image} and the
 * plugin's {@code helmDeploy(image:)} alike): pinned to the digest it was pushed as, with the
 * model version from its label, against a real Docker daemon and registry.
 */
class ImageLookupTest {

    private static String pushed;

    @BeforeAll
    static void pushAnImageWithAModelVersionLabel(@TempDir Path tmp) throws Exception {
        DockerClient docker = TestDocker.client();
        Files.writeString(tmp.resolve("Dockerfile"), "FROM " + TestDocker.baseImage() + "\n"
                + "LABEL " + ImageLookup.MODEL_VERSION_LABEL + "=abc123def456\n");
        String repository = TestEnvironment.registry() + "/cd4ml-test/image-lookup";
        String tag = Long.toHexString(System.nanoTime());
        docker.buildImageCmd(tmp.toFile()).withTags(Set.of(repository + ":" + tag))
                .exec(new BuildImageResultCallback()).awaitImageId(2, TimeUnit.MINUTES);
        docker.pushImageCmd(repository).withTag(tag).withAuthConfig(new AuthConfig()
                        .withRegistryAddress(TestEnvironment.registry()).withUsername(TestEnvironment.registryUser())
                        .withPassword(TestEnvironment.registryPassword()))
                .exec(new ResultCallback.Adapter<PushResponseItem>()).awaitCompletion(2, TimeUnit.MINUTES);
        pushed = repository + ":" + tag;
    }

    @AfterAll
    static void removeTheLocalTag() {
        if (pushed != null) { // the registry keeps its copy; the daemon's tag was only the way there
            TestDocker.client().removeImageCmd(pushed).exec();
        }
    }

    private static EngineContext context(List<Event> events, Advice advice) {
        return EngineContext.builder().environment(TestDocker.environment()).events(events::add).advice(advice).build();
    }

    @Test
    void aPushedTagIsPinnedToItsDigestAndNamesItsModelVersion() {
        List<Event> events = new CopyOnWriteArrayList<>();
        ImageLookup.Deployable deployable = ImageLookup.forDeploy(context(events, Advice.CLI),
                ImageReference.parse(pushed), Optional.empty());

        assertThat(deployable.image().digest()).startsWith("sha256:");
        assertThat(deployable.image().pinned()).as("repository@digest: what Kubernetes pulls can no longer move")
                .startsWith(pushed.substring(0, pushed.lastIndexOf(':')) + "@sha256:");
        assertThat(deployable.modelVersion()).isEqualTo("abc123def456");
        assertThat(events).anySatisfy(e -> assertThat(e.toString()).contains("pinning " + pushed));
    }

    @Test
    void aGivenModelVersionWinsOverTheLabel() {
        ImageLookup.Deployable deployable = ImageLookup.forDeploy(context(new CopyOnWriteArrayList<>(), Advice.CLI),
                ImageReference.parse(pushed), Optional.of("given"));
        assertThat(deployable.modelVersion()).isEqualTo("given");
        assertThat(deployable.image().digest()).startsWith("sha256:");
    }

    @Test
    void anImageTheDaemonDoesNotHaveStaysAsGivenAndTheWarningSpeaksTheFrontEndsWords() {
        String unknown = TestEnvironment.registry() + "/cd4ml-test/never-built:1";
        List<Event> cli = new CopyOnWriteArrayList<>();
        ImageLookup.Deployable deployable = ImageLookup.forDeploy(context(cli, Advice.CLI),
                ImageReference.parse(unknown), Optional.empty());
        assertThat(deployable.image().digest()).isEmpty();
        assertThat(deployable.modelVersion()).isEmpty();
        assertThat(cli).anySatisfy(e -> assertThat(e.toString()).contains("pass --model-version"));

        List<Event> neutral = new CopyOnWriteArrayList<>();
        ImageLookup.forDeploy(context(neutral, Advice.NEUTRAL), ImageReference.parse(unknown), Optional.empty());
        assertThat(neutral).anySatisfy(e -> assertThat(e.toString()).contains("cannot tell which model")
                .doesNotContain("--model-version"));
    }
}
