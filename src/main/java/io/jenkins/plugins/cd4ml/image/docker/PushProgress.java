package io.jenkins.plugins.cd4ml.image.docker;

import com.github.dockerjava.api.model.PushResponseItem;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.util.HashMap;
import java.util.Map;

/** Turns the daemon's push stream into a few readable lines: each layer's state and every 25%. */
final class PushProgress {

    private final EventSink events;
    private final Map<String, String> lastStatus = new HashMap<>();
    private final Map<String, Integer> lastQuarter = new HashMap<>();

    PushProgress(EventSink events) {
        this.events = events;
    }

    void accept(PushResponseItem item) {
        String id = item.getId();
        String status = item.getStatus();
        if (status == null) {
            return;
        }
        if (id == null) {
            events.accept(new Event.LogLine(DockerServingImageBuilder.PUSH_SOURCE,
                    status));
            return;
        }
        if (status.equals("Pushing") && item.getProgressDetail() != null
                && item.getProgressDetail().getTotal() != null && item.getProgressDetail().getTotal() > 0) {
            long current = item.getProgressDetail().getCurrent() == null ? 0 : item.getProgressDetail().getCurrent();
            int quarter = (int) Math.min(4, current * 4 / item.getProgressDetail().getTotal());
            if (quarter > lastQuarter.getOrDefault(id, 0)) {
                lastQuarter.put(id, quarter);
                line(id, "pushing " + quarter * 25 + "% of " + megabytes(item.getProgressDetail().getTotal()));
            }
            return;
        }
        if (!status.equals(lastStatus.put(id, status))) {
            line(id, status);
        }
    }

    private void line(String id, String text) {
        events.accept(new Event.LogLine(DockerServingImageBuilder.PUSH_SOURCE,
                "layer " + id + ": " + text));
    }

    private static String megabytes(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
