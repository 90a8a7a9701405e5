package io.jenkins.plugins.cd4ml.train.sagemaker;

import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.testing.S3Proxies;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.Trainer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Everything a SageMaker backend test needs: the simulated SageMaker, a real S3 protocol
 * (s3proxy) with the data and model buckets, a project directory, and a sleeper that advances
 * the simulated job instead of waiting.
 */
final class SageMakerTestbed implements AutoCloseable {

    static final String IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
    static final String ROLE = "arn:aws:iam::123456789012:role/SageMakerRole";
    static final String IRIS = "sepal_length,species\n5.1,setosa\n7.0,versicolor\n";

    final SimulatedSageMaker sim = new SimulatedSageMaker();
    final S3Client s3;
    final Path project;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    /** Cancels the trainings {@link #trainer} makes, as Ctrl-C or a Jenkins abort does. */
    final CancelToken cancel = new CancelToken();
    /** Called on every sleep before the job advances, e.g. to put the job's results into S3. */
    volatile Runnable onSleep = () -> { };

    SageMakerTestbed(S3ProxyExtension proxy, Path project) {
        this.s3 = S3Proxies.client(proxy);
        this.project = project;
        s3.createBucket(b -> b.bucket("data"));
        s3.createBucket(b -> b.bucket("models"));
        S3Proxies.put(s3, "data", "iris/iris.csv", IRIS);
    }

    @Override
    public void close() {
        sim.close();
        s3.close();
    }

    /**
     * config.yaml of a project the SageMaker backend trains, up to the end of its train section:
     * each of {@code metrics} is read from the lines the script prints as {@code name=value}, and
     * {@code sagemaker} follows {@code "  sagemaker:"} (a flow map, or a line break and a block).
     */
    static String config(String hyperparameters, List<String> metrics, String sagemaker) {
        StringBuilder yaml = new StringBuilder("""
                version: 1
                project:
                  name: demo
                model:
                  target: species
                train:
                  backend: sagemaker
                  entrypoint: train.py
                  image: %s
                  channels: {train: 's3://data/iris/'}
                  output: s3://models/cd4ml
                  hyperparameters: %s
                  metrics:
                """.formatted(IMAGE, hyperparameters));
        for (String metric : metrics) {
            yaml.append("    - {name: %s, regex: '%s=([0-9.]+)'}\n".formatted(metric, metric));
        }
        return yaml.append("  timeout: 1h\n  sagemaker:").append(sagemaker).toString();
    }

    /** features.yaml of the project: one float feature. */
    void writeFeatures() {
        TestProjects.write(project.resolve("features.yaml"), "features:\n  - {name: sepal_length, type: float}\n");
    }

    /** The project: config.yaml with the given sagemaker section, train.py, and files that must not be packed. */
    ProjectConfig project(String sagemakerSection) {
        TestProjects.write(project.resolve("config.yaml"), config("{n_estimators: 100, max_depth: 4, flag: true}",
                List.of("accuracy", "loss"), "\n" + sagemakerSection.indent(4)));
        writeFeatures();
        TestProjects.write(project.resolve("train.py"), "print('accuracy=0.5')\n");
        TestProjects.write(project.resolve("src/helpers.py"), "X = 1\n");
        TestProjects.write(project.resolve(".cd4ml/runs/old/model/big.bin"), "old run");
        TestProjects.write(project.resolve("src/__pycache__/helpers.cpython-311.pyc"), "bytecode");
        return ConfigLoader.forProject(project).withEnvironment(Map.of()).load();
    }

    static String defaultSagemakerSection() {
        return """
                role_arn: %s
                instance_type: ml.m5.xlarge
                instance_count: 2
                volume_gb: 50
                spot: true
                max_wait: 2h
                region: eu-west-1
                """.formatted(ROLE);
    }

    /** Makes the project a Git repository with one commit; returns the commit. */
    String commitProject() {
        git("init", "-q");
        git("add", "-A");
        git("-c", "user.name=cd4ml", "-c", "user.email=cd4ml@example.com", "commit", "-q", "-m", "model");
        return git("rev-parse", "HEAD");
    }

    private String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", project.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("git " + String.join(" ", args) + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Sleeper sleeper() {
        return duration -> {
            sleeps.add(duration);
            onSleep.run();
            sim.advance();
        };
    }

    SageMakerTrainingBackend backend() {
        return backend(sleeper());
    }

    SageMakerTrainingBackend backend(Sleeper sleeper) {
        return new SageMakerTrainingBackend(sim.sagemaker(), sim.logs(), new S3Transfers(s3), sleeper);
    }

    Trainer trainer(ProjectConfig config) {
        return trainer(config, backend());
    }

    Trainer trainer(ProjectConfig config, SageMakerTrainingBackend backend) {
        return Trainer.forProject(config, EngineContext.builder().events(events::add).cancel(cancel).build()).withBackend(backend)
                .withS3(s3);
    }

    /** What SageMaker writes for a job: model.tar.gz and output.tar.gz under jobs/<job>/output/. */
    void putJobResults(String job, Map<String, String> modelFiles, Map<String, String> outputFiles) {
        Path dir = project.getParent().resolve("results-" + job);
        String prefix = "cd4ml/demo/jobs/" + job + "/output/";
        S3Proxies.put(s3, "models", prefix + "model.tar.gz", tarGz(modelFiles, dir.resolve("model.tar.gz")));
        if (!outputFiles.isEmpty()) {
            S3Proxies.put(s3, "models", prefix + "output.tar.gz", tarGz(outputFiles, dir.resolve("output.tar.gz")));
        }
    }

    static String modelUri() {
        return "s3://models/cd4ml/demo/jobs/" + SimulatedSageMaker.JOB + "/output/model.tar.gz";
    }

    static Path tarGz(Map<String, String> files, Path target) {
        try {
            Files.createDirectories(target.getParent());
            try (OutputStream out = Files.newOutputStream(target);
                    GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
                for (Map.Entry<String, String> file : files.entrySet()) {
                    byte[] bytes = file.getValue().getBytes(StandardCharsets.UTF_8);
                    TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                    entry.setSize(bytes.length);
                    tar.putArchiveEntry(entry);
                    tar.write(bytes);
                    tar.closeArchiveEntry();
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> logLines() {
        return events.stream().filter(Event.LogLine.class::isInstance).map(e -> ((Event.LogLine) e).line()).toList();
    }

    List<String> messages() {
        return events.stream().filter(Event.Message.class::isInstance).map(e -> ((Event.Message) e).text()).toList();
    }
}
