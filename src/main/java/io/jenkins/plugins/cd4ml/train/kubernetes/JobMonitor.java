package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.Durations;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.TrainingFailedException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Follows one training Job to its end: reports the pod's progress, streams its log, fails early
 * on problems that waiting will not fix, and explains a failure.
 *
 * <p>Watches on the Job and its pods only wake the monitor up; each time it reads the current
 * state from the API server and judges that (level-triggered, like a controller), so a missed or
 * reordered event, or a watch that closed, costs at most {@link #RESYNC} of delay. An API server
 * that is briefly unreachable (an upgrade, a failover) is waited out for {@link #API_OUTAGE_LIMIT}:
 * the Job runs on without cd4ml meanwhile.
 */
final class JobMonitor implements AutoCloseable {

    static final Duration RESYNC = Duration.ofSeconds(15);
    /** How long a failed pod may wait for the Job controller to mark the Job failed. */
    static final Duration POD_FAILURE_GRACE = Duration.ofSeconds(30);
    /** How long a finished run's log may take to arrive completely. */
    static final Duration LOG_DRAIN = Duration.ofMinutes(1);
    static final Duration FAILURE_LOG_DRAIN = Duration.ofSeconds(10);
    /** How long the API server may be unreachable before cd4ml gives up following the Job. */
    static final Duration API_OUTAGE_LIMIT = Duration.ofMinutes(10);
    static final Duration API_RETRY = Duration.ofSeconds(2);
    /** How far past train.timeout cd4ml gives up on a Job that Kubernetes did not stop. */
    static final Duration DEADLINE_GRACE = Duration.ofMinutes(10);

    private final JobResources resources;
    private final JobDiagnosis diagnosis;
    private final EventSink events;
    private final BlockingQueue<String> wakeUps = new LinkedBlockingQueue<>();
    private volatile boolean watchClosed;
    private Watch jobWatch;
    private Watch podWatch;
    private PodLogFollower follower;
    private String followedPod;
    private String lastProgress;
    private String lastWarning;
    private Instant podFailedSince;

    JobMonitor(JobResources resources, EventSink events) {
        this.resources = resources;
        this.diagnosis = new JobDiagnosis(resources.spec());
        this.events = events;
    }

    /** Starts watching; call before the Job is resumed so that no change goes unseen. */
    JobMonitor watch() {
        closeWatches();
        watchClosed = false;
        jobWatch = resources.watchJob(wakeUp());
        podWatch = resources.watchPods(wakeUp());
        return this;
    }

    /**
     * Blocks until the Job completed and its log has been passed on.
     *
     * @throws TrainingFailedException if the Job failed, or will not get anywhere
     * @throws InterruptedException if the thread was interrupted (the Job still runs)
     */
    void awaitCompletion() throws InterruptedException {
        Instant giveUp = Instant.now().plus(resources.spec().trainingJob().timeout()).plus(DEADLINE_GRACE);
        Instant outageSince = null;
        while (true) {
            Duration wait = RESYNC;
            try {
                if (finished(giveUp)) {
                    return;
                }
                if (outageSince != null) {
                    events.info("reached the Kubernetes API again");
                    outageSince = null;
                }
            } catch (Cd4mlException e) {
                if (e instanceof TrainingFailedException || !isTransient(e)) {
                    throw e;
                }
                if (outageSince == null) {
                    outageSince = Instant.now();
                    events.warn("lost contact with the Kubernetes API (" + e.getMessage() + "); the Job runs on "
                            + "and cd4ml keeps trying for " + Durations.format(API_OUTAGE_LIMIT));
                } else if (Instant.now().isAfter(outageSince.plus(API_OUTAGE_LIMIT))) {
                    throw e;
                }
                wait = API_RETRY;
            }
            wakeUps.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            wakeUps.clear();
        }
    }

    /** Judges the current state once: true when the Job completed; throws when it failed. */
    private boolean finished(Instant giveUp) throws InterruptedException {
        TrainingJobSpec spec = resources.spec();
        if (watchClosed) {
            watch();
        }
        Job job = resources.get().orElseThrow(() -> new TrainingFailedException(diagnosis.where()
                + " was deleted before it finished", "something else deleted it (kubectl delete, a cleanup of "
                        + "the namespace); train again"));
        Optional<Pod> pod = resources.newestPod();
        if (pod.isPresent()) {
            observe(pod.get());
        } else {
            progress("waiting for Kubernetes to create the pod of " + diagnosis.where());
        }
        if (JobResources.condition(job, "Complete").isPresent()) {
            drainLog(LOG_DRAIN);
            events.info(diagnosis.where() + " completed");
            return true;
        }
        Optional<JobCondition> failed = JobResources.condition(job, "Failed")
                .or(() -> JobResources.condition(job, "FailureTarget"));
        if (failed.isPresent()) {
            drainLog(FAILURE_LOG_DRAIN);
            throw diagnosis.jobFailed(failed.get(), resources.newestPod());
        }
        checkFailedPod(pod);
        if (Instant.now().isAfter(giveUp)) {
            throw new TrainingFailedException(diagnosis.where() + " ran past train.timeout ("
                    + Durations.format(spec.trainingJob().timeout()) + ") although its activeDeadlineSeconds "
                    + "should have stopped it; cd4ml gave up on it", "check that the cluster's Job controller "
                            + "works (kubectl describe job " + spec.jobName() + " -n " + spec.namespace() + ")");
        }
        return false;
    }

    /** An API server that is down, overloaded or restarting, as opposed to one that refuses. */
    private static boolean isTransient(Cd4mlException e) {
        return e.getCause() instanceof KubernetesClientException k
                && (k.getCode() <= 0 || k.getCode() == 429 || k.getCode() >= 500);
    }

    private void observe(Pod pod) {
        String name = pod.getMetadata().getName();
        progress(diagnosis.progress(pod));
        JobDiagnosis.unschedulable(pod).ifPresent(message -> warn("pod " + name + " cannot be scheduled yet: "
                + message + " (it stays pending until train.timeout, "
                + Durations.format(resources.spec().trainingJob().timeout()) + ")"));
        JobDiagnosis.container(pod).map(ContainerStatus::getState).map(ContainerState::getWaiting)
                .filter(w -> "ErrImagePull".equals(w.getReason()))
                .ifPresent(w -> warn("pulling image " + resources.spec().image() + " failed, Kubernetes retries: "
                        + message(w)));
        Optional<TrainingFailedException> stuck = diagnosis.stuck(pod);
        if (stuck.isPresent()) {
            throw stuck.get();
        }
        if (JobDiagnosis.hasStarted(pod) && !name.equals(followedPod)) {
            stopFollowing();
            follower = new PodLogFollower(resources.pod(name), name, events);
            followedPod = name;
            follower.start();
        }
    }

    /** A failed pod normally makes the Job fail at once; if the Job controller stays silent, the pod says why. */
    private void checkFailedPod(Optional<Pod> pod) throws InterruptedException {
        boolean failed = pod.filter(p -> p.getStatus() != null && "Failed".equals(p.getStatus().getPhase()))
                .isPresent();
        if (!failed) {
            podFailedSince = null;
            return;
        }
        if (podFailedSince == null) {
            podFailedSince = Instant.now();
        } else if (Instant.now().isAfter(podFailedSince.plus(POD_FAILURE_GRACE))) {
            drainLog(FAILURE_LOG_DRAIN);
            throw diagnosis.podFailure(pod.get()).orElseGet(() -> new TrainingFailedException("the pod of "
                    + diagnosis.where() + " failed: " + pod.get().getStatus().getReason() + " "
                    + pod.get().getStatus().getMessage(), null));
        }
    }

    private void drainLog(Duration timeout) throws InterruptedException {
        if (follower != null && !follower.awaitEnd(timeout)) {
            follower.stop();
            events.warn("the log of pod " + followedPod + " did not end within " + Durations.format(timeout)
                    + " after the container did; its last lines may be missing here (kubectl logs job/"
                    + resources.spec().jobName() + " -n " + resources.spec().namespace() + ")");
        }
    }

    private void progress(String text) {
        if (!text.equals(lastProgress)) {
            lastProgress = text;
            events.info(text);
        }
    }

    private void warn(String text) {
        if (!text.equals(lastWarning)) {
            lastWarning = text;
            events.warn(text);
        }
    }

    private static String message(ContainerStateWaiting waiting) {
        return waiting.getMessage() != null ? waiting.getMessage() : waiting.getReason();
    }

    private <T> Watcher<T> wakeUp() {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                wakeUps.offer(action.name());
            }

            @Override
            public void onClose(WatcherException cause) {
                watchClosed = true;
                wakeUps.offer("closed");
            }
        };
    }

    private void stopFollowing() {
        if (follower != null) {
            follower.stop();
            follower = null;
        }
    }

    private void closeWatches() {
        if (jobWatch != null) {
            jobWatch.close();
            jobWatch = null;
        }
        if (podWatch != null) {
            podWatch.close();
            podWatch = null;
        }
    }

    /** Stops watching and streaming; no events follow once this returns. */
    @Override
    public void close() {
        stopFollowing();
        closeWatches();
    }
}
