package io.jenkins.plugins.cd4ml.deploy;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Looks at a release's pods, ReplicaSets and events and says why they are not ready: which pod,
 * which container, which probe or event (image pull, crash loop with its last log lines,
 * readiness failing, quota, scheduling).
 */
public final class RolloutDiagnosis {

    /** Lines of a crashing container's previous log to keep. */
    static final int LOG_LINES = 20;
    private static final Set<String> IMAGE_REASONS = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
            "ErrImageNeverPull");

    private final KubernetesClient client;
    private final String namespace;

    public RolloutDiagnosis(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Problems of the pods and ReplicaSets whose {@code app.kubernetes.io/instance} is one of {@code instances}. */
    public List<RolloutProblem> inspect(List<String> instances) {
        Map<String, RolloutProblem> problems = new LinkedHashMap<>();
        List<Event> events = events();
        for (String instance : instances) {
            for (ReplicaSet rs : client.apps().replicaSets().inNamespace(namespace)
                    .withLabel("app.kubernetes.io/instance", instance).list().getItems()) {
                replicaSet(rs, events).forEach(p -> problems.putIfAbsent(p.object() + p.reason(), p));
            }
            List<Pod> pods = new ArrayList<>(client.pods().inNamespace(namespace)
                    .withLabel("app.kubernetes.io/instance", instance).list().getItems());
            pods.sort(Comparator.comparing(p -> p.getMetadata().getName()));
            for (Pod pod : pods) {
                pod(pod, events).forEach(p -> problems.putIfAbsent(p.object() + p.container() + p.reason(), p));
            }
        }
        return List.copyOf(problems.values());
    }

    private List<Event> events() {
        try {
            return client.v1().events().inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            return List.of(); // events are a help, not a requirement (RBAC may hide them)
        }
    }

    private static List<Event> eventsOf(List<Event> events, String kind, String name) {
        return events.stream().filter(e -> e.getInvolvedObject() != null && kind.equals(e.getInvolvedObject().getKind())
                && name.equals(e.getInvolvedObject().getName())).toList();
    }

    private List<RolloutProblem> replicaSet(ReplicaSet rs, List<Event> events) {
        List<RolloutProblem> found = new ArrayList<>();
        String object = "replicaset/" + rs.getMetadata().getName();
        List<ReplicaSetCondition> conditions = rs.getStatus() == null || rs.getStatus().getConditions() == null
                ? List.of() : rs.getStatus().getConditions();
        for (ReplicaSetCondition c : conditions) {
            if ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus())) {
                found.add(new RolloutProblem(object, "", quotaOr(c.getMessage(), "ReplicaFailure"),
                        Objects.requireNonNullElse(c.getMessage(), ""), List.of()));
            }
        }
        if (found.isEmpty()) {
            eventsOf(events, "ReplicaSet", rs.getMetadata().getName()).stream()
                    .filter(e -> "FailedCreate".equals(e.getReason())).reduce((a, b) -> b)
                    .ifPresent(e -> found.add(new RolloutProblem(object, "", quotaOr(e.getMessage(), "FailedCreate"),
                            Objects.requireNonNullElse(e.getMessage(), ""), List.of())));
        }
        return found;
    }

    private static String quotaOr(String message, String otherwise) {
        return message != null && message.contains("exceeded quota") ? "QuotaExceeded" : otherwise;
    }

    private List<RolloutProblem> pod(Pod pod, List<Event> events) {
        List<RolloutProblem> found = new ArrayList<>();
        String name = pod.getMetadata().getName();
        String object = "pod/" + name;
        if (pod.getStatus() == null) {
            return found;
        }
        List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses() == null ? List.of()
                : pod.getStatus().getContainerStatuses();
        for (ContainerStatus s : statuses) {
            ContainerStateWaiting waiting = s.getState() == null ? null : s.getState().getWaiting();
            ContainerStateTerminated last = s.getLastState() == null ? null : s.getLastState().getTerminated();
            if (waiting != null && waiting.getReason() != null && IMAGE_REASONS.contains(waiting.getReason())) {
                found.add(new RolloutProblem(object, s.getName(), waiting.getReason(),
                        Objects.requireNonNullElse(waiting.getMessage(), s.getImage()), List.of()));
            } else if (waiting != null && "CrashLoopBackOff".equals(waiting.getReason())) {
                String reason = last != null && "OOMKilled".equals(last.getReason()) ? "OOMKilled" : "CrashLoopBackOff";
                String message = last == null ? Objects.requireNonNullElse(waiting.getMessage(), "")
                        : "exit code " + last.getExitCode() + (last.getReason() == null ? "" : " (" + last.getReason()
                                + ")") + ", restarted " + s.getRestartCount() + " times";
                found.add(new RolloutProblem(object, s.getName(), reason, message, previousLog(name, s.getName())));
            } else if (waiting != null && waiting.getReason() != null && !"ContainerCreating".equals(waiting.getReason())
                    && !"PodInitializing".equals(waiting.getReason())) {
                found.add(new RolloutProblem(object, s.getName(), waiting.getReason(),
                        Objects.requireNonNullElse(waiting.getMessage(), ""), List.of()));
            } else if (s.getState() != null && s.getState().getRunning() != null && !Boolean.TRUE.equals(s.getReady())) {
                eventsOf(events, "Pod", name).stream().filter(e -> "Unhealthy".equals(e.getReason())
                        && e.getMessage() != null && e.getMessage().startsWith("Readiness probe failed"))
                        .reduce((a, b) -> b).ifPresent(e -> found.add(new RolloutProblem(object, s.getName(),
                                "ReadinessProbeFailed", e.getMessage().strip(), List.of())));
            }
        }
        if (statuses.isEmpty() && pod.getStatus().getConditions() != null) {
            for (PodCondition c : pod.getStatus().getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    found.add(new RolloutProblem(object, "", "Unschedulable",
                            Objects.requireNonNullElse(c.getMessage(), ""), List.of()));
                }
            }
        }
        return found;
    }

    private List<String> previousLog(String pod, String container) {
        try {
            String log = client.pods().inNamespace(namespace).withName(pod).inContainer(container).terminated()
                    .tailingLines(LOG_LINES).getLog();
            if (log == null || log.isBlank()) {
                return List.of();
            }
            List<String> lines = log.lines().toList();
            return List.copyOf(lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }
}
