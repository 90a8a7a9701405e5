package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.storage.S3Location;
import io.jenkins.plugins.cd4ml.storage.S3Presigning;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Signs the pod's upload URLs again every {@code interval} while the run lasts and puts them into
 * its Secret. A presigned URL stops working when the credentials that signed it expire (a role
 * session, IRSA's web identity: often after an hour), even if its own validity is longer; the
 * engine's SDK renews its credentials, so URLs signed now work for a while more. The bootstrap
 * reads the Secret again before each upload and waits on a rejected one for a renewal.
 *
 * <p>A failed renewal is a warning, not a failure: the URLs already in the pod may well outlive
 * the run.
 */
final class UploadUrlRenewal implements AutoCloseable {

    /** How often, by default: well inside the shortest credential lifetime the SDK leaves before renewing (about 5 minutes). */
    static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(4);

    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    private UploadUrlRenewal(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Starts renewing {@code plan}'s uploads for the run at {@code run}. */
    static UploadUrlRenewal start(JobResources resources, TransferPlan plan, S3Location run, Duration validity,
            S3Presigning presigning, Duration interval, EventSink events) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "cd4ml-upload-url-renewal-" + resources.spec().jobName());
            thread.setDaemon(true);
            return thread;
        });
        UploadUrlRenewal renewal = new UploadUrlRenewal(scheduler);
        scheduler.scheduleWithFixedDelay(() -> renewal.renew(resources, plan, run, validity, presigning, events),
                interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return renewal;
    }

    private void renew(JobResources resources, TransferPlan plan, S3Location run, Duration validity,
            S3Presigning presigning, EventSink events) {
        try {
            resources.updateTransfer(plan.withRenewedUploads(run, validity, presigning));
            events.debug("renewed the upload URLs in Secret " + resources.spec().secretName());
        } catch (RuntimeException e) {
            if (!closed) {
                events.warn("could not renew the pod's upload URLs in Secret " + resources.spec().secretName()
                        + " (" + e.getMessage() + "); the URLs it has stop working when the credentials that "
                        + "signed them expire");
            }
        }
    }

    /** Stops renewing; a renewal under way is abandoned. */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
    }
}
