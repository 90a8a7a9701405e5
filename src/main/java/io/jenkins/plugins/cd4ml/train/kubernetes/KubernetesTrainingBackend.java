package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.engine.Clients;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Presigning;
import io.jenkins.plugins.cd4ml.storage.S3Transfers;
import io.jenkins.plugins.cd4ml.train.BackendRun;
import io.jenkins.plugins.cd4ml.train.RunDirectory;
import io.jenkins.plugins.cd4ml.train.SourceArchive;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import io.jenkins.plugins.cd4ml.train.TrainingJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Trains as a Kubernetes {@code batch/v1} Job: one pod running {@code train.image}, with the
 * SageMaker {@code /opt/ml} layout in an emptyDir.
 *
 * <h2>The pod never gets AWS credentials</h2>
 *
 * Cluster nodes and namespaces rarely share the engine's AWS identity, and handing a pod long-lived
 * keys (in a Secret, readable by anyone who may read Secrets there) would leak far more than one
 * run needs. Instead the engine, which has credentials, does every S3 call that needs them:
 * <ol>
 * <li>it uploads the project source as {@code source.tar.gz} to
 *     {@code <train.output>/<project>/runs/<run id>/};</li>
 * <li>it presigns a GET URL for that archive and for every object of every {@code s3://} channel
 *     ({@code http(s)://} channels pass as they are), and a PUT URL each for
 *     {@code model.tar.gz} and {@code output.tar.gz} under the same prefix. The URLs expire after
 *     {@code train.timeout} plus an hour for the image pull and uploads, at most 7 days (the
 *     Signature V4 limit; a longer timeout is refused with a clear error);</li>
 * <li>the URLs go into a Secret (they are bearer tokens: never into the Job spec, never logged),
 *     mounted at {@value TrainingJobSpec#TRANSFER_DIR}; a stdlib-only Python bootstrap from a
 *     ConfigMap downloads the inputs into {@code /opt/ml}, runs the command in
 *     {@code /opt/ml/code}, packs and PUTs {@code /opt/ml/model} and {@code /opt/ml/output}, and
 *     exits with the command's code and its failure text as termination message;</li>
 * <li>after success the engine downloads both archives and unpacks them into the run directory,
 *     so that {@link io.jenkins.plugins.cd4ml.train.Trainer} packages and stores the model as for
 *     every backend.</li>
 * </ol>
 * The Job is created suspended, gets the Secret and ConfigMap (owned by the Job, so Kubernetes
 * deletes them with it), and is then resumed. While the run lasts every URL is signed again every
 * few minutes ({@link UrlRenewal}), so that credentials which expire while the pod waits for a
 * node or trains (a role session, IRSA) do not take the inputs or results with them. The Secret
 * is deleted as soon as the run ends.
 *
 * <h2>Progress, failure and stopping</h2>
 *
 * See {@link JobMonitor}: pod progress as messages, the container's log as {@code LogLine}s,
 * early failure for image pull and container configuration errors, and failures that name the
 * setting to change ({@code train.resources.memory} for OOMKilled, {@code train.timeout} for
 * DeadlineExceeded). A Job that failed or finished stays for a day ({@code ttlSecondsAfterFinished})
 * for {@code kubectl logs}; one that cd4ml gives up on, or that is stopped by interrupting the
 * calling thread, is deleted with its pods.
 */
public final class KubernetesTrainingBackend implements TrainingBackend, AutoCloseable {

    private final KubernetesClient client;
    private final S3Presigning presigning;
    private final S3Transfers transfers;
    private final Runnable closer;
    private Duration urlRenewal = UrlRenewal.DEFAULT_INTERVAL;

    /**
     * A backend using these clients; the caller keeps ownership of them.
     *
     * @param presigner signs the pod's URLs; it needs the same S3 endpoint and credentials as
     *     {@code transfers}
     */
    public KubernetesTrainingBackend(KubernetesClient client, S3Presigner presigner, S3Transfers transfers) {
        this(client, presigner, transfers, () -> { });
    }

    private KubernetesTrainingBackend(KubernetesClient client, S3Presigner presigner, S3Transfers transfers,
            Runnable closer) {
        this.client = client;
        this.presigning = new S3Presigning(presigner);
        this.transfers = transfers;
        this.closer = closer;
    }

    /**
     * A backend with the operation's clients, closed in {@link #close()}: Kubernetes from the
     * kubeconfig ({@code KUBECONFIG}, {@code $HOME/.kube/config}) or, inside a cluster, the pod's
     * service account; S3 with the operation's AWS credentials and endpoint override.
     */
    public static KubernetesTrainingBackend connect(Clients clients, Optional<String> region) {
        KubernetesClient client = clients.kubernetes();
        S3Presigner presigner = clients.s3Presigner(region);
        S3Client s3 = clients.s3(region);
        return new KubernetesTrainingBackend(client, presigner, new S3Transfers(s3), () -> {
            client.close();
            presigner.close();
            s3.close();
        });
    }

    /** How often the pod's URLs are signed again during a run (tests make it short). */
    KubernetesTrainingBackend renewingUrlsEvery(Duration interval) {
        this.urlRenewal = interval;
        return this;
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    /** The pod reads {@code s3://} and {@code http(s)://} channels itself. */
    @Override
    public boolean readsLocalChannels() {
        return false;
    }

    @Override
    public BackendRun run(TrainingJob job, EventSink events) {
        TrainingJobSpec spec = new TrainingJobSpec(job, namespace(job));
        Duration validity = TransferPlan.validityFor(job.timeout());
        S3Location run = runLocation(job);
        TransferObjects objects = stage(job, run, events);
        TransferPlan plan = objects.sign(validity, presigning);
        if (Thread.currentThread().isInterrupted()) {
            throw new OperationStoppedException("training run " + job.runId() + " before its Kubernetes Job was "
                    + "created");
        }
        JobResources resources = new JobResources(client, spec);
        Job created;
        try {
            created = resources.create();
        } catch (KubernetesClientException e) {
            throw stop(resources); // only an interrupt gets here untranslated; the Job may exist
        }
        UrlRenewal renewal = null;
        events.info("created Kubernetes Job " + spec.jobName() + " in namespace " + spec.namespace() + " (image "
                + spec.image() + ")");
        try (JobMonitor monitor = new JobMonitor(resources, events)) {
            resources.createInputs(plan, created);
            renewal = UrlRenewal.start(resources, objects, validity, presigning, urlRenewal, events);
            monitor.watch();
            resources.resume();
            monitor.awaitCompletion();
        } catch (InterruptedException e) {
            throw stop(resources);
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()
                    || e instanceof KubernetesClientException && KubernetesErrors.isInterruption(e)) {
                throw stop(resources);
            }
            abandon(resources, e);
            throw e;
        } finally {
            if (renewal != null) {
                renewal.close();
            }
            deleteSecret(resources, events);
        }
        fetchResults(job.directory(), run, spec);
        return new BackendRun(spec.namespace() + "/" + spec.jobName(), Map.of(), job.directory().logFile().toString());
    }

    /** Closes the clients if this backend owns them. */
    @Override
    public void close() {
        closer.run();
    }

    private String namespace(TrainingJob job) {
        return job.project().train().kubernetes().namespace()
                .or(() -> Optional.ofNullable(client.getNamespace()))
                .orElse("default");
    }

    private static S3Location runLocation(TrainingJob job) {
        return S3Location.parse(job.project().train().output()).child(job.project().name()).child("runs")
                .child(job.runId());
    }

    /** Ships the source and lists the channel objects the pod needs. */
    private TransferObjects stage(TrainingJob job, S3Location run, EventSink events) {
        try {
            Path archive = job.directory().root().resolve(TrainingJobSpec.SOURCE_ARCHIVE);
            SourceArchive.Packed packed = SourceArchive.write(job.project().directory(), archive);
            if (Files.size(archive) > 100L * 1024 * 1024) {
                events.warn("the project source is " + Files.size(archive) / (1024 * 1024) + " MB packed; data "
                        + "belongs in train.channels (s3://...), not in the project directory");
            }
            S3Location target = run.child(TrainingJobSpec.SOURCE_ARCHIVE);
            events.info("uploading the project source (" + packed.files().size() + " files) to " + target);
            transfers.upload(archive, target);
            return TransferObjects.list(job.project().train().channels(), run, transfers);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack the project source", e);
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted() || hasCause(e, AbortedException.class)) {
                throw new OperationStoppedException("training run " + job.runId() + " while it uploaded its "
                        + "source, before its Kubernetes Job was created");
            }
            throw e;
        }
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Unpacks what the pod uploaded into the run directory, where the trainer expects it. */
    private void fetchResults(RunDirectory dir, S3Location run, TrainingJobSpec spec) {
        Path downloads = dir.root().resolve("kubernetes");
        for (String name : new String[] {TrainingJobSpec.MODEL_ARCHIVE, TrainingJobSpec.OUTPUT_ARCHIVE}) {
            S3Location from = run.child(name);
            if (transfers.list(from).isEmpty()) {
                throw new TrainingFailedException("the pod of Kubernetes Job " + spec.jobName() + " in namespace "
                        + spec.namespace() + " finished but did not upload " + from, "look for '[cd4ml] upload' "
                                + "errors in its log (kubectl logs job/" + spec.jobName() + " -n "
                                + spec.namespace() + ")");
            }
            try {
                transfers.download(from, downloads);
                ModelArchive.extract(downloads.resolve(name), name.equals(TrainingJobSpec.MODEL_ARCHIVE)
                        ? dir.modelDir() : dir.outputDir());
            } catch (IOException e) {
                throw Cd4mlException.workFailed("cannot unpack " + from + " into " + dir.root() + ": "
                        + e.getMessage(), "check free space under " + dir.root(), e);
            }
        }
    }

    /** Deletes the Job (with its pods, Secret and ConfigMap) after the thread was interrupted. */
    private static OperationStoppedException stop(JobResources resources) {
        TrainingJobSpec spec = resources.spec();
        String job = "Kubernetes Job " + spec.jobName() + " in namespace " + spec.namespace();
        Thread.interrupted(); // the API calls below must not fail because of the interrupt we are handling
        try {
            resources.delete();
            return new OperationStoppedException(job + " (deleted with its pod)");
        } catch (RuntimeException e) {
            return new OperationStoppedException(job + ", but deleting it failed (" + e.getMessage() + "); delete "
                    + "it with: kubectl delete job " + spec.jobName() + " -n " + spec.namespace());
        } finally {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes a Job that did not finish when cd4ml stops following it, so nothing is left running. */
    private static void abandon(JobResources resources, RuntimeException cause) {
        try {
            resources.deleteIfUnfinished();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private static void deleteSecret(JobResources resources, EventSink events) {
        boolean interrupted = Thread.interrupted();
        try {
            resources.deleteSecret();
        } catch (RuntimeException e) {
            events.warn("could not delete Secret " + resources.spec().secretName() + " in namespace "
                    + resources.spec().namespace() + " (" + e.getMessage() + "); its URLs expire on their own");
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
