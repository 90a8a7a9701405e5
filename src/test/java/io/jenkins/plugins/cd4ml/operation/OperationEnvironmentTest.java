package io.jenkins.plugins.cd4ml.operation;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Two operations in one JVM with different environments, as two Jenkins builds on one agent: each
 * sees its own credentials (here: S3 keys for the model store on a real s3proxy), whether it runs
 * through the engine's classes or as a CLI command in this JVM (gate), and nothing is taken from,
 * or left in, the process.
 */
class OperationEnvironmentTest {

    @RegisterExtension
    final S3ProxyExtension proxy = S3Proxies.extension();

    private static final String TRAIN_PY = """
            import os
            open(os.path.join(os.environ["SM_MODEL_DIR"], "m.txt"), "w").write("model")
            print("accuracy=0.93")
            """;

    @BeforeAll
    static void python() {
        TestProjects.requirePythonMl();
    }

    private Map<String, String> environment(String secret) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("CD4ML_S3_ENDPOINT", proxy.getUri().toString());
        env.put("AWS_ACCESS_KEY_ID", proxy.getAccessKey());
        env.put("AWS_SECRET_ACCESS_KEY", secret);
        env.put("AWS_REGION", "eu-west-1");
        return env;
    }

    private static FutureTask<OperationOutcome> start(EngineOperation operation) {
        FutureTask<OperationOutcome> work = new FutureTask<>(operation::call);
        new Thread(work, "operation under test").start();
        return work;
    }

    @Test
    void twoGatesAtOnceReadTheModelStoreWithTheirOwnCredentials(@TempDir Path tmp) throws Exception {
        try (S3Client admin = S3Proxies.client(proxy)) {
            admin.createBucket(b -> b.bucket("models"));
        }
        Path project = TestProjects.project(tmp, TRAIN_PY, "output: s3://models/demo\n");
        Files.writeString(project.resolve("config.yaml"), "quality_gate:\n  metrics:\n    accuracy: {min: 0.9}\n",
                StandardOpenOption.APPEND);
        OperationOutcome trained = EngineOperation.named("train").inProject(project)
                .withEnvironment(environment(proxy.getSecretKey())).call();
        assertThat(trained.succeeded()).as(trained.message()).isTrue();
        assertThat(String.valueOf(trained.document().get("model_uri"))).startsWith("s3://models/demo/");
        String version = trained.summary().modelVersion();

        List<String> rightLog = new CopyOnWriteArrayList<>();
        List<String> wrongLog = new CopyOnWriteArrayList<>();
        FutureTask<OperationOutcome> right = start(EngineOperation.named("gate").inProject(project)
                .withOptions(Map.of("model", version)).withEnvironment(environment(proxy.getSecretKey()))
                .withOutput(rightLog::add));
        FutureTask<OperationOutcome> wrong = start(EngineOperation.named("gate").inProject(project)
                .withOptions(Map.of("model", version)).withEnvironment(environment("not-the-secret"))
                .withOutput(wrongLog::add));
        OperationOutcome passed = right.get(120, TimeUnit.SECONDS);
        OperationOutcome refused = wrong.get(120, TimeUnit.SECONDS);

        assertThat(passed.succeeded()).as(passed.message()).isTrue();
        assertThat(passed.summary().gate()).isEqualTo("passed");
        assertThat(refused.succeeded()).as("the wrong secret is this call's alone").isFalse();
        assertThat(refused.message()).containsIgnoringCase("s3");
        assertThat(passed.json() + refused.json() + refused.message() + rightLog + wrongLog)
                .as("no secret in any result or log").doesNotContain(proxy.getSecretKey(), "not-the-secret");
        assertThat(System.getenv("AWS_SECRET_ACCESS_KEY")).as("nothing was put into the process").isNull();
    }
}
