package io.jenkins.plugins.cd4ml.image.jib;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.LogEvent;
import io.jenkins.plugins.cd4ml.event.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JibLogTest {

    @Test
    void jibsWarningsReachTheEventsWithoutTerminalColours() {
        List<Event> events = new ArrayList<>();

        JibServingImageBuilder.log(LogEvent.warn("\u001B[31;1mI/O error for image [localhost:5000/a]:\u001B[0m"),
                events::add);
        JibServingImageBuilder.log(LogEvent.lifecycle("Pushing manifest"), events::add);

        assertThat(events).containsExactly(
                new Event.Message(Event.Level.WARNING, "jib: I/O error for image [localhost:5000/a]:"),
                new Event.LogLine(JibServingImageBuilder.SOURCE, "Pushing manifest"));
    }
}
