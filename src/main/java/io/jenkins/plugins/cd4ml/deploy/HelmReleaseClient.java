package io.jenkins.plugins.cd4ml.deploy;

import com.marcnuri.helm.GetCommand;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.HistoryCommand;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.ReleaseHistory;
import com.marcnuri.helm.UpgradeCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.yaml.snakeyaml.Yaml;

/** {@link ReleaseClient} through helm-java (Helm's own library, run in-process). */
public final class HelmReleaseClient implements ReleaseClient {

    @Override
    public ReleaseInfo upgradeInstall(UpgradeRequest r) {
        Path valuesFile = null;
        try {
            valuesFile = Files.createTempFile("cd4ml-values-", ".yaml");
            Files.writeString(valuesFile, new Yaml().dump(r.values()));
            UpgradeCommand upgrade = new Helm(r.chart()).upgrade().withName(r.release())
                    .withNamespace(r.cluster().namespace()).withValuesFile(valuesFile)
                    .withTimeout(r.timeoutSeconds()).withDescription(r.description());
            if (r.install()) {
                upgrade.install();
            }
            if (r.createNamespace()) {
                upgrade.createNamespace();
            }
            if (r.atomic()) {
                upgrade.atomic();
            }
            if (r.waitReady()) {
                upgrade.waitReady();
            }
            if (!r.cluster().kubeconfig().isEmpty()) {
                upgrade.withKubeConfigContents(r.cluster().kubeconfig());
            }
            Release release = upgrade.call();
            return new ReleaseInfo(release.getName(), release.getNamespace(), Integer.parseInt(release.getRevision()),
                    release.getStatus(), release.getChart());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the values file", e);
        } finally {
            if (valuesFile != null) {
                try {
                    Files.deleteIfExists(valuesFile);
                } catch (IOException e) {
                    // a temporary file
                }
            }
        }
    }

    @Override
    public List<RevisionInfo> history(String release, KubeAccess cluster) {
        HistoryCommand history = Helm.history(release).withNamespace(cluster.namespace());
        if (!cluster.kubeconfig().isEmpty()) {
            history.withKubeConfigContents(cluster.kubeconfig());
        }
        try {
            return history.call().stream().map(HelmReleaseClient::revision).toList();
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("release: not found")) {
                return List.of();
            }
            throw e;
        }
    }

    private static RevisionInfo revision(ReleaseHistory h) {
        return new RevisionInfo(h.getRevision(), h.getUpdated() == null ? Instant.EPOCH : h.getUpdated().toInstant(),
                h.getStatus(), h.getChart(), h.getAppVersion(), h.getDescription());
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> values(String release, OptionalInt revision, KubeAccess cluster) {
        GetCommand.GetValuesSubcommand get = Helm.get(release).values().withNamespace(cluster.namespace());
        revision.ifPresent(get::withRevision);
        if (!cluster.kubeconfig().isEmpty()) {
            get.withKubeConfigContents(cluster.kubeconfig());
        }
        Object parsed = new Yaml().load(get.call());
        return parsed instanceof Map ? new LinkedHashMap<>((Map<String, Object>) parsed) : new LinkedHashMap<>();
    }
}
