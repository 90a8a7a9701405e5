package io.jenkins.plugins.cd4ml.deploy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The Helm release calls a deploy makes, behind one small interface: {@link HelmReleaseClient}
 * makes them with helm-java; tests record them (a mock API server cannot host Helm releases).
 *
 * <p>Every method throws {@link IllegalStateException} with Helm's own message when Helm fails.
 */
public interface ReleaseClient {

    /** {@code helm upgrade --install} with the request's flags; returns the new revision. */
    ReleaseInfo upgradeInstall(UpgradeRequest request);

    /** {@code helm history}: every stored revision, oldest first; empty when there is no such release. */
    List<RevisionInfo> history(String release, KubeAccess cluster);

    /** {@code helm get values} (the values the user supplied) of the current or the given revision. */
    Map<String, Object> values(String release, OptionalInt revision, KubeAccess cluster);

    /**
     * One {@code helm upgrade} call.
     *
     * @param install {@code --install}: create the release if it does not exist
     * @param atomic {@code --atomic}: roll back (or remove a first install) when the rollout fails
     * @param waitReady {@code --wait}: succeed only once every pod is ready
     * @param timeoutSeconds {@code --timeout}
     * @param description stored with the revision ({@code helm history} shows it)
     */
    record UpgradeRequest(String release, Path chart, Map<String, Object> values, KubeAccess cluster, boolean install,
            boolean atomic, boolean waitReady, boolean createNamespace, int timeoutSeconds, String description) {
    }

    /** A release as Helm reports it after a change. */
    record ReleaseInfo(String name, String namespace, int revision, String status, String chart) {
    }

    /** One row of {@code helm history}. */
    record RevisionInfo(int revision, Instant updated, String status, String chart, String appVersion,
            String description) {
    }
}
