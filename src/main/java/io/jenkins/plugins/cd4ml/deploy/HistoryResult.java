package io.jenkins.plugins.cd4ml.deploy;

import java.io.Serializable;
import java.util.List;

/**
 * What served in one environment, revision by revision.
 *
 * @param at the time asked about ({@code --at}), empty when not asked
 * @param servingAt the revision that served at {@code at} (or now, when not asked); null when none did
 */
public record HistoryResult(String environment, String target, String release, String namespace,
        List<HistoryEntry> revisions, String at, HistoryEntry servingAt) implements Serializable {
}
