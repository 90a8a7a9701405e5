package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.storage.S3Presigning;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Signs the pod's URLs again every {@code interval} while the run lasts and puts them into its
 * Secret. A presigned URL stops working when the credentials that signed it expire (a role
 * session, IRSA's web identity: often after an hour), even if its own validity is longer; the
 * engine's SDK renews its credentials, so URLs signed now work for a while more. A pod that
 * starts late mounts the Secret as it is then; the bootstrap reads it again before each transfer
 * and waits on a rejected one for a renewal.
 *
 * <p>A failed renewal is a warning, not a failure: the URLs already in the pod may well outlive
 * the run.
 */
final class UrlRenewal implements AutoCloseable {

    /** How often, by default: well inside the shortest credential lifetime the SDK leaves before renewing (about 5 minutes). */
    static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(4);

    private final JobResources resources;
    private final TransferObjects objects;
    private final Duration validity;
    private final S3Presigning presigning;
    private final EventSink events;
    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    private UrlRenewal(JobResources resources, TransferObjects objects, Duration validity, S3Presigning presigning,
            EventSink events) {
        this.resources = resources;
        this.objects = objects;
        this.validity = validity;
        this.presigning = presigning;
        this.events = events;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "cd4ml-url-renewal-" + resources.spec().jobName());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts signing {@code objects} again every {@code interval}. */
    static UrlRenewal start(JobResources resources, TransferObjects objects, Duration validity,
            S3Presigning presigning, Duration interval, EventSink events) {
        UrlRenewal renewal = new UrlRenewal(resources, objects, validity, presigning, events);
        renewal.scheduler.scheduleWithFixedDelay(renewal::renew, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return renewal;
    }

    private void renew() {
        try {
            resources.updateTransfer(objects.sign(validity, presigning));
            events.debug("renewed the URLs in Secret " + resources.spec().secretName());
        } catch (RuntimeException e) {
            if (!closed) {
                events.warn("could not renew the pod's URLs in Secret " + resources.spec().secretName()
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
