package io.jenkins.plugins.cd4ml.deploy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** "What served at time T": the revision that last became the serving one at or before T. */
final class DeployHistory {

    private DeployHistory() {
    }

    static HistoryResult result(DeployTarget target, List<HistoryEntry> entries, Optional<Instant> at) {
        Instant when = at.orElse(Instant.MAX);
        HistoryEntry serving = entries.stream().filter(HistoryEntry::served)
                .filter(e -> !e.updated().isAfter(when)).reduce((a, b) -> b).orElse(null);
        if (at.isEmpty()) {
            serving = entries.stream().filter(e -> e.status().equals("deployed")).reduce((a, b) -> b).orElse(null);
        }
        return new HistoryResult(target.environment(), target.target(), target.release(),
                target.target().equals("helm") ? target.namespace() : "", List.copyOf(entries),
                at.map(Instant::toString).orElse(""), serving);
    }
}
