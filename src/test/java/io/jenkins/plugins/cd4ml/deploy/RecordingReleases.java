package io.jenkins.plugins.cd4ml.deploy;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * A {@link ReleaseClient} that records every call and keeps a release history the way Helm does
 * (each upgrade a new revision; the previous one superseded), for asserting the exact calls.
 */
class RecordingReleases implements ReleaseClient {

    final List<UpgradeRequest> upgrades = new ArrayList<>();
    final List<String> calls = new ArrayList<>();
    final List<RevisionInfo> history = new ArrayList<>();
    final Map<Integer, Map<String, Object>> valuesByRevision = new LinkedHashMap<>();
    /** What an upgrade does on the "cluster"; returns normally for success or throws like helm-java. */
    Function<UpgradeRequest, RuntimeException> onUpgrade = r -> null;

    /** Seeds a revision as if deployed earlier. */
    void seed(String status, Map<String, Object> values, String description) {
        int revision = history.size() + 1;
        history.add(new RevisionInfo(revision, java.time.Instant.parse("2026-11-29T10:00:00Z").plusSeconds(revision * 60L),
                status, "cd4ml-model-0.1.0", "1", description));
        valuesByRevision.put(revision, copy(values));
    }

    @Override
    public ReleaseInfo upgradeInstall(UpgradeRequest request) {
        calls.add("upgradeInstall " + request.release());
        if (!Files.isRegularFile(request.chart().resolve("Chart.yaml"))) {
            throw new AssertionError("the chart was not extracted when Helm was called: " + request.chart());
        }
        upgrades.add(new UpgradeRequest(request.release(), request.chart(), copy(request.values()), request.cluster(),
                request.install(), request.atomic(), request.waitReady(), request.createNamespace(),
                request.timeoutSeconds(), request.description()));
        RuntimeException failure = onUpgrade.apply(request);
        if (failure != null) {
            throw failure;
        }
        supersede();
        seed("deployed", request.values(), request.description());
        return new ReleaseInfo(request.release(), request.cluster().namespace(), history.size(), "deployed",
                "cd4ml-model-0.1.0");
    }

    /** What Helm's --atomic leaves after a failed upgrade: the failed revision, then a rollback revision. */
    void atomicRollback(Map<String, Object> failedValues) {
        int good = history.stream().filter(h -> h.status().equals("deployed")).mapToInt(RevisionInfo::revision).max()
                .orElseThrow();
        supersede();
        seed("failed", failedValues, "Upgrade \"iris-classifier\" failed: context deadline exceeded");
        seed("deployed", valuesByRevision.get(good), "Rollback to " + good);
    }

    private void supersede() {
        for (int i = 0; i < history.size(); i++) {
            RevisionInfo h = history.get(i);
            if (h.status().equals("deployed")) {
                history.set(i, new RevisionInfo(h.revision(), h.updated(), "superseded", h.chart(), h.appVersion(),
                        h.description()));
            }
        }
    }

    @Override
    public List<RevisionInfo> history(String release, KubeAccess cluster) {
        calls.add("history " + release + " -n " + cluster.namespace());
        return List.copyOf(history);
    }

    @Override
    public Map<String, Object> values(String release, OptionalInt revision, KubeAccess cluster) {
        calls.add("values " + release + (revision.isPresent() ? " --revision " + revision.getAsInt() : ""));
        int r = revision.orElse(history.size());
        return copy(valuesByRevision.getOrDefault(r, Map.of()));
    }

    static Map<String, Object> copy(Map<String, Object> values) {
        Map<String, Object> copy = new LinkedHashMap<>();
        ChartValues.merge(copy, values);
        return copy;
    }
}
