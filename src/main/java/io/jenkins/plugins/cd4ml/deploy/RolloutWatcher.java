package io.jenkins.plugins.cd4ml.deploy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches a release's pods while Helm waits for them, and remembers the last problems seen: with
 * {@code --atomic} Helm rolls back before it returns, and the failing pods are gone by then.
 * Reports each new problem once as a warning while the rollout is still going.
 */
final class RolloutWatcher implements AutoCloseable {

    private final RolloutDiagnosis diagnosis;
    private final List<String> instances;
    private final EventSink events;
    private final AtomicReference<List<RolloutProblem>> last = new AtomicReference<>(List.of());
    private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Thread thread;

    RolloutWatcher(RolloutDiagnosis diagnosis, List<String> instances, EventSink events) {
        this.diagnosis = diagnosis;
        this.instances = instances;
        this.events = events;
    }

    /** Looks every {@code period} until closed. */
    RolloutWatcher start(Duration period) {
        thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                observe();
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cd4ml-rollout-watcher");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** One look; keeps what it found when it found anything. */
    void observe() {
        try {
            List<RolloutProblem> now = diagnosis.inspect(instances);
            if (!now.isEmpty()) {
                last.set(now);
                for (RolloutProblem p : now) {
                    if (reported.add(p.object() + p.container() + p.reason())) {
                        events.warn("rollout: " + p.describe());
                    }
                }
            }
        } catch (KubernetesClientException e) {
            // the cluster answers Helm; a failed look is tried again next period
        }
    }

    /** The problems last seen (empty if none was ever seen). */
    List<RolloutProblem> lastSeen() {
        return last.get();
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
