package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.jenkins.plugins.cd4ml.train.SourceArchive;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Presigning;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.ScriptMode;
import io.jenkins.plugins.cd4ml.train.TrainingRequirements;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The pod side for real: Debian's Python runs the bundled bootstrap in a temporary directory
 * standing in for {@code /opt/ml}, with presigned URLs of a real S3 implementation (s3proxy).
 */
class BootstrapScriptTest {

    @RegisterExtension
    final S3ProxyExtension s3proxy = S3ProxyExtension.builder().withCredentials("access", "secret").build();

    private static final S3Location RUN = S3Location.parse("s3://models/cd4ml/demo/runs/" + KubernetesProjects.RUN_ID);
    private static final Map<String, String> HYPERPARAMETERS = Map.of("alpha", "0.5", "depth", "3");

    @TempDir
    Path tmp;
    private S3Client s3;
    private S3Presigner presigner;
    private S3Transfers transfers;
    private Path ml;
    /** How long the bootstrap waits for a rejected URL to be renewed. */
    private String renewalWaitSeconds = "60";

    @BeforeEach
    void s3() throws IOException {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret"));
        s3 = S3Client.builder().endpointOverride(s3proxy.getUri()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
        presigner = S3Presigner.builder().endpointOverride(s3proxy.getUri()).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
        transfers = new S3Transfers(s3);
        s3.createBucket(b -> b.bucket("data"));
        s3.createBucket(b -> b.bucket("models"));
        s3.putObject(b -> b.bucket("data").key("iris/part-1.csv"), RequestBody.fromString("x,y\n1,0\n"));
        s3.putObject(b -> b.bucket("data").key("iris/nested/part-2.csv"), RequestBody.fromString("x,y\n2,1\n"));
        ml = tmp.resolve("ml");
        TestProjects.requirePythonMl();
    }

    @AfterEach
    void close() {
        s3.close();
        presigner.close();
    }

    private static final String CONTRACT = """
            import json, os
            channel = os.environ["SM_CHANNEL_TRAIN"]
            with open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], "hyperparameters.json")) as f:
                hps = json.load(f)
            files = sorted(os.path.relpath(os.path.join(d, n), channel) for d, _, ns in os.walk(channel) for n in ns)
            seen = {"hps": hps, "files": files, "cwd": os.getcwd(), "helper": open("lib/helper.txt").read(),
                    "part2": open(os.path.join(channel, "nested", "part-2.csv")).read()}
            with open(os.path.join(os.environ["SM_MODEL_DIR"], "seen.json"), "w") as f:
                json.dump(seen, f)
            with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "metrics.json"), "w") as f:
                json.dump({"loss": 0.25}, f)
            print("accuracy=0.91")
            """;

    @Test
    void stagesTheInputsRunsTheCommandAndUploadsModelAndOutput() throws Exception {
        Result result = run(CONTRACT, plan());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("accuracy=0.91", "[cd4ml] channel train: 2 files",
                "[cd4ml] uploaded model.tar.gz: 1 files", "[cd4ml] uploaded output.tar.gz");
        assertThat(result.output()).doesNotContain("X-Amz", s3proxy.getUri().toString());
        Path model = fetch("model.tar.gz");
        Map<String, Object> seen = Json.mapper().readValue(model.resolve("seen.json").toFile(),
                new TypeReference<>() { });
        assertThat(seen.get("hps")).isEqualTo(HYPERPARAMETERS);
        assertThat(seen.get("files")).isEqualTo(List.of("nested/part-2.csv", "part-1.csv"));
        assertThat(seen.get("cwd")).isEqualTo(ml.resolve("code").toString());
        assertThat(seen.get("helper")).isEqualTo("shipped with the source");
        assertThat(seen.get("part2")).isEqualTo("x,y\n2,1\n");
        assertThat(Files.readString(fetch("output.tar.gz").resolve("data/metrics.json"))).contains("\"loss\": 0.25");
        assertThat(tmp.resolve("termination-log")).doesNotExist();
    }

    @Test
    void reportsTheFailureTextAndExitCodeAndStillUploadsTheOutput() throws Exception {
        String failing = """
                import os, sys
                with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
                    f.write("column 'y' is missing")
                sys.exit(3)
                """;

        Result result = run(failing, plan());

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(Files.readString(tmp.resolve("termination-log"))).isEqualTo("column 'y' is missing");
        assertThat(Files.readString(fetch("output.tar.gz").resolve("failure"))).isEqualTo("column 'y' is missing");
        assertThat(transfers.list(RUN.child("model.tar.gz"))).isEmpty();
    }

    @Test
    void installsTheProjectsRequirementsWithPipBeforeRunningPython() throws Exception {
        TestProjects.write(tmp.resolve("project/requirements.txt"), "scikit-learn\n");

        Result result = run("import os, platform, sklearn\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'seen.txt'), 'w')"
                + ".write(platform.python_version() + ' ' + sklearn.__version__)\n" + CONTRACT, plan());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("[cd4ml] installing requirements.txt with pip",
                "Requirement already satisfied: scikit-learn", "accuracy=0.91");
        String[] seen = Files.readString(fetch("model.tar.gz").resolve("seen.txt")).split(" ");
        assertThat(TrainingRequirements.recordedEnvironment(fetch("output.tar.gz").resolve("data")))
                .as("the command's interpreter's versions, for model.json")
                .contains(new ModelManifest.TrainingEnvironment(seen[0], Map.of("scikit-learn", seen[1])));
        assertThat(result.output().indexOf("Requirement already satisfied"))
                .isLessThan(result.output().indexOf("[cd4ml] running: python train.py"));
    }

    @Test
    void aFailedRequirementsInstallFailsTheRunWithoutRunningTheScript() throws Exception {
        TestProjects.write(tmp.resolve("project/requirements.txt"), "./no-such-project\n");

        Result result = run(CONTRACT, plan());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).doesNotContain("accuracy=0.91", "[cd4ml] running:");
        String failure = Files.readString(tmp.resolve("termination-log"));
        assertThat(failure).startsWith("installing requirements.txt with pip failed (exit 1)");
        assertThat(Files.readString(fetch("output.tar.gz").resolve("failure"))).isEqualTo(failure);
        assertThat(transfers.list(RUN.child("model.tar.gz"))).isEmpty();
    }

    @Test
    void aRejectedUrlFailsTheRunWithoutPrintingIt() throws Exception {
        TransferPlan good = plan();
        TransferPlan.ChannelFile file = good.channels().get("train").get(0);
        String tampered = tamper(file.url());
        TransferPlan bad = new TransferPlan(good.source(),
                Map.of("train", List.of(new TransferPlan.ChannelFile(file.path(), tampered))), good.model(),
                good.output());
        renewalWaitSeconds = "1"; // nothing renews it here

        Result result = run(CONTRACT, bad);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output()).contains("waiting up to 1 s for cd4ml to renew the URL");
        assertThat(Files.readString(tmp.resolve("termination-log")))
                .startsWith("cd4ml could not stage the inputs: download of channel 'train' file " + file.path()
                        + " failed: HTTP 403");
        assertThat(result.output()).contains("HTTP 403").doesNotContain("X-Amz", s3proxy.getUri().toString());
    }

    @Test
    void waitsOnARejectedUploadUntilCd4mlRenewsTheUrl() throws Exception {
        TransferPlan good = plan();
        TransferPlan expired = new TransferPlan(good.source(), good.channels(), tamper(good.model()), good.output());
        Process process = start(CONTRACT, expired);
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = pump(process, lines);
        for (int i = 0; i < 300 && lines.stream().noneMatch(l -> l.contains("waiting up to 60 s")); i++) {
            Thread.sleep(100);
        }
        assertThat(lines).as("the bootstrap waits for a renewal")
                .anyMatch(l -> l.startsWith("[cd4ml] upload of model.tar.gz: HTTP 403"));

        // what the kubelet does when cd4ml updates the Secret: swap the mounted file
        Path transfer = tmp.resolve("transfer/transfer.json");
        Path renewed = tmp.resolve("transfer/.renewed.json");
        Files.write(renewed, good.toJson());
        Files.move(renewed, transfer, StandardCopyOption.ATOMIC_MOVE);

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(5000);
        assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(fetch("model.tar.gz").resolve("seen.json")).exists();
        assertThat(String.join("\n", lines)).doesNotContain("X-Amz", s3proxy.getUri().toString());
    }

    @Test
    void passesSigtermToTheScriptAndUploadsNothing() throws Exception {
        String waiting = """
                import os, signal, sys, time
                def stop(signum, frame):
                    open(os.path.join(os.environ["SM_MODEL_DIR"], "..", "got-sigterm"), "w").close()
                    sys.exit(143)
                signal.signal(signal.SIGTERM, stop)
                open(os.path.join(os.environ["SM_MODEL_DIR"], "partial.bin"), "w").close()
                print("ready", flush=True)
                time.sleep(60)
                """;
        Process process = start(waiting, plan());
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = pump(process, lines);
        for (int i = 0; i < 300 && !lines.contains("ready"); i++) {
            Thread.sleep(100);
        }
        assertThat(lines).as("the script started").contains("ready");

        // SIGTERM, as the kubelet sends it when the Job is deleted (Process.destroy() would also close our pipe)
        process.toHandle().destroy();

        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        reader.join(5000);
        assertThat(process.exitValue()).isEqualTo(143);
        assertThat(ml.resolve("got-sigterm")).exists();
        assertThat(lines).as(String.join("\n", lines)).contains("[cd4ml] stopped");
        assertThat(transfers.list(RUN.child("model.tar.gz"))).isEmpty();
        assertThat(transfers.list(RUN.child("output.tar.gz"))).isEmpty();
    }

    /** The URL with its signature changed: S3 rejects it with a 403, as it does an expired one. */
    private static String tamper(String url) {
        int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        return url.substring(0, at) + (url.charAt(at) == '0' ? '1' : '0') + url.substring(at + 1);
    }

    private TransferPlan plan() throws IOException {
        Path project = tmp.resolve("project");
        TestProjects.write(project.resolve("lib/helper.txt"), "shipped with the source");
        TestProjects.write(project.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        TestProjects.write(project.resolve("train.py"), "placeholder, replaced per test\n");
        return TransferObjects.list(Map.of("train", "s3://data/iris/"), RUN, transfers)
                .sign(Duration.ofHours(1), new S3Presigning(presigner));
    }

    private Process start(String trainPy, TransferPlan plan) throws IOException {
        Path project = tmp.resolve("project");
        TestProjects.write(project.resolve("train.py"), trainPy);
        Path archive = tmp.resolve("source.tar.gz");
        SourceArchive.write(project, archive);
        transfers.upload(archive, RUN.child("source.tar.gz"));

        Path transfer = tmp.resolve("transfer/transfer.json");
        Files.createDirectories(transfer.getParent());
        Files.write(transfer, plan.toJson());
        Path bootstrap = tmp.resolve("bootstrap");
        Files.createDirectories(bootstrap);
        Files.writeString(bootstrap.resolve("bootstrap.py"), TrainingJobSpec.bootstrapScript());
        Files.writeString(bootstrap.resolve(TrainingRequirements.SCRIPT), TrainingRequirements.script());
        Json.mapper().writeValue(bootstrap.resolve("hyperparameters.json").toFile(), HYPERPARAMETERS);
        Json.mapper().writeValue(bootstrap.resolve("inputdataconfig.json").toFile(), Map.of());

        ProcessBuilder builder = new ProcessBuilder(TestProjects.PYTHON, bootstrap.resolve("bootstrap.py").toString(),
                "python", "train.py").redirectErrorStream(true).directory(tmp.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/bin:/bin"); // as in a Debian image (not this machine's pyenv)
        builder.environment().putAll(ScriptMode.environment(ml.toString(), ml + "/code", "run-1", "train.py",
                HYPERPARAMETERS, List.of("train"), 1, 0));
        builder.environment().put("PIP_INDEX_URL", "http://127.0.0.1:9/simple"); // never needed: a closed port
        builder.environment().put("CD4ML_ML_ROOT", ml.toString());
        builder.environment().put("CD4ML_TRANSFER_FILE", transfer.toString());
        builder.environment().put("CD4ML_RENEWAL_WAIT_SECONDS", renewalWaitSeconds);
        builder.environment().put("CD4ML_RENEWAL_POLL_SECONDS", "0.2");
        builder.environment().put("CD4ML_TERMINATION_LOG", tmp.resolve("termination-log").toString());
        return builder.start();
    }

    private Result run(String trainPy, TransferPlan plan) throws Exception {
        Process process = start(trainPy, plan);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        return new Result(process.exitValue(), output);
    }

    private static Thread pump(Process process, List<String> lines) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        thread.start();
        return thread;
    }

    /** Downloads an archive the bootstrap uploaded and unpacks it. */
    private Path fetch(String name) throws IOException {
        Path downloads = tmp.resolve("downloads");
        transfers.download(RUN.child(name), downloads);
        Path target = tmp.resolve("unpacked-" + name);
        ModelArchive.extract(downloads.resolve(name), target);
        return target;
    }

    private record Result(int exitCode, String output) {
    }
}
