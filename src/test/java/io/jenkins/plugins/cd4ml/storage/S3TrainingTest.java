package io.jenkins.plugins.cd4ml.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.Advice;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ContentDigest;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelLocator;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.Trainer;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Local training that reads its channel from S3 and stores the model in S3, against a real S3 protocol (s3proxy). */
class S3TrainingTest {

    private static final String IRIS = """
            sepal_length,sepal_width,petal_length,petal_width,species
            5.1,3.5,1.4,0.2,setosa
            7.0,3.2,4.7,1.4,versicolor
            6.3,3.3,6.0,2.5,virginica
            """;
    private static final String EXTRA = "sepal_length,sepal_width,petal_length,petal_width,species\n4.9,3.0,1.4,0.2,setosa\n";

    /** Counts the rows it was given and saves that as the "model". */
    private static final String TRAIN_PY = """
            import os
            channel = os.environ["SM_CHANNEL_TRAIN"]
            rows = 0
            for root, _, files in os.walk(channel):
                for name in sorted(files):
                    with open(os.path.join(root, name)) as f:
                        rows += len(f.read().strip().splitlines()) - 1
            with open(os.path.join(os.environ["SM_MODEL_DIR"], "rows.txt"), "w") as f:
                f.write(str(rows))
            print("accuracy=0.%d" % rows, flush=True)
            """;

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    private S3Client s3;

    @BeforeEach
    void buckets() {
        s3 = S3Proxies.client(proxy);
        s3.createBucket(b -> b.bucket("data"));
        s3.createBucket(b -> b.bucket("models"));
        S3Proxies.put(s3, "data", "iris/iris.csv", IRIS);
        S3Proxies.put(s3, "data", "iris/more/extra.csv", EXTRA);
        S3Proxies.put(s3, "data", "iris-other/ignored.csv", "not under the prefix");
    }

    private static ProjectConfig project(Path dir, String channel) {
        TestProjects.write(dir.resolve("config.yaml"), """
                version: 1
                project:
                  name: demo
                model:
                  target: species
                train:
                  channels: {train: '%s'}
                  output: s3://models/cd4ml
                  hyperparameters: {depth: 3}
                  metrics:
                    - {name: accuracy, regex: 'accuracy=([0-9.]+)'}
                """.formatted(channel));
        TestProjects.write(dir.resolve("features.yaml"), "features:\n  - {name: sepal_length, type: float}\n");
        TestProjects.write(dir.resolve("train.py"), TRAIN_PY);
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    private Trainer trainer(ProjectConfig config) {
        return Trainer.forProject(config, TestContexts.context(Map.of("PATH", System.getenv("PATH")),
                EventSink.NONE)).withS3(s3);
    }

    @Test
    void trainsFromAnS3ChannelAndStoresModelManifestAndLatestUnderTheS3Output(@TempDir Path tmp) throws Exception {
        ProjectConfig config = project(tmp.resolve("project"), "s3://data/iris/");

        TrainingResult result = trainer(config).promoting(true).call();

        String prefix = "cd4ml/demo/" + result.modelVersion() + "/";
        assertThat(result.modelUri()).isEqualTo("s3://models/" + prefix + "model.tar.gz");
        assertThat(S3Proxies.text(s3, "models", "cd4ml/demo/LATEST")).isEqualTo(result.modelVersion() + "\n");
        assertThat(S3Proxies.text(s3, "models", prefix + "model.json")).contains("\"version\" : \""
                + result.modelVersion() + "\"");
        Path archive = S3Proxies.download(s3, "models", prefix + "model.tar.gz", tmp.resolve("got/model.tar.gz"));
        ModelManifest manifest = ModelArchive.readManifest(archive);
        assertThat(manifest.version()).isEqualTo(result.modelVersion());
        ModelArchive.extract(archive, tmp.resolve("got/model"));
        assertThat(Files.readString(tmp.resolve("got/model/rows.txt"))).isEqualTo("4"); // both objects, not iris-other
        assertThat(result.metrics()).containsEntry("accuracy", 0.4);
    }

    @Test
    void storingWithoutPromotingLeavesLatestAlone(@TempDir Path tmp) throws Exception {
        ProjectConfig config = project(tmp.resolve("project"), "s3://data/iris/");

        TrainingResult result = trainer(config).call();

        assertThat(S3Proxies.text(s3, "models", "cd4ml/demo/" + result.modelVersion() + "/model.json"))
                .contains(result.modelVersion());
        assertThatThrownBy(() -> S3Proxies.text(s3, "models", "cd4ml/demo/LATEST")).as("no LATEST")
                .isInstanceOf(NoSuchKeyException.class);
        try (ModelLocator models = ModelLocator.forProject(config, () -> new S3Transfers(s3), Advice.CLI)) {
            assertThat(models.promotedVersion()).isEmpty();
            models.promote(result.modelVersion());
            assertThat(models.promotedVersion()).contains(result.modelVersion());
        }
        assertThat(S3Proxies.text(s3, "models", "cd4ml/demo/LATEST")).isEqualTo(result.modelVersion() + "\n");
    }

    @Test
    void recordsTheHashOfTheDownloadedChannelContent(@TempDir Path tmp) throws Exception {
        ProjectConfig config = project(tmp.resolve("project"), "s3://data/iris/");

        TrainingResult result = trainer(config).call();

        Path expected = tmp.resolve("expected");
        TestProjects.write(expected.resolve("iris.csv"), IRIS);
        TestProjects.write(expected.resolve("more/extra.csv"), EXTRA);
        assertThat(result.manifest().data()).singleElement().satisfies(data -> {
            assertThat(data.channel()).isEqualTo("train");
            assertThat(data.uri()).isEqualTo("s3://data/iris/");
            assertThat(data.sha256()).isEqualTo(ContentDigest.sha256(expected))
                    .isEqualTo(ContentDigest.sha256(Path.of(result.runDirectory()).resolve("input/data/train")));
        });
    }

    @Test
    void aSingleObjectChannelLandsUnderItsFileName(@TempDir Path tmp) throws Exception {
        ProjectConfig config = project(tmp.resolve("project"), "s3://data/iris/iris.csv");

        TrainingResult result = trainer(config).call();

        assertThat(Path.of(result.runDirectory()).resolve("input/data/train/iris.csv")).hasContent(IRIS.strip());
        assertThat(result.metrics()).containsEntry("accuracy", 0.3);
    }

    @Test
    void aChannelWithNothingAtItsUriFailsNamingTheUri(@TempDir Path tmp) {
        ProjectConfig config = project(tmp.resolve("project"), "s3://data/missing/");

        assertThatThrownBy(() -> trainer(config).call())
                .isInstanceOf(Cd4mlException.class)
                .hasMessageContaining("channel 'train': nothing found at s3://data/missing/")
                .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).get().asString()
                        .contains("aws s3 ls s3://data/missing/"));
        assertThat(s3.listObjectsV2(b -> b.bucket("models")).contents()).isEmpty();
    }

    @Test
    void aMissingBucketFailsNamingTheLocation(@TempDir Path tmp) {
        ProjectConfig config = project(tmp.resolve("project"), "s3://no-such-bucket/iris/");

        assertThatThrownBy(() -> trainer(config).call())
                .isInstanceOf(Cd4mlException.class)
                .hasMessageContaining("could not list s3://no-such-bucket/iris/");
    }
}
