package io.jenkins.plugins.cd4ml.train.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import io.jenkins.plugins.cd4ml.event.Event;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Turning the daemon's output frames into log lines. */
class ContainerLogTest {

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final ContainerLog log = new ContainerLog(events::add, "0123456789abcdef");

    @Test
    void joinsLinesSplitAcrossFramesAndKeepsStreamsApart() {
        log.onNext(frame(StreamType.STDOUT, "epoch 1 acc"));
        log.onNext(frame(StreamType.STDERR, "warn"));
        log.onNext(frame(StreamType.STDOUT, "uracy=0.5\nepoch 2\n"));
        log.onNext(frame(StreamType.STDERR, "ing: slow\n"));

        assertThat(lines()).containsExactly("epoch 1 accuracy=0.5", "epoch 2", "warning: slow");
    }

    @Test
    void keepsBlankLinesDropsCarriageReturnsAndDecodesUtf8SplitMidCharacter() {
        byte[] euro = "€\n".getBytes(StandardCharsets.UTF_8);
        log.onNext(frame(StreamType.STDOUT, "a\r\n\nb="));
        log.onNext(new Frame(StreamType.STDOUT, new byte[] {euro[0]}));
        log.onNext(new Frame(StreamType.STDOUT, new byte[] {euro[1], euro[2], euro[3]}));

        assertThat(lines()).containsExactly("a", "", "b=€");
    }

    @Test
    void emitsAnUnfinishedLastLineWhenTheStreamEndsAndNothingAfterwards() {
        log.onNext(frame(StreamType.STDOUT, "done"));
        log.onComplete();
        log.onNext(frame(StreamType.STDOUT, "late\n"));

        assertThat(lines()).containsExactly("done");
        assertThat(events).allSatisfy(e -> assertThat(((Event.LogLine) e).source()).isEqualTo("train"));
    }

    private List<String> lines() {
        return events.stream().map(e -> ((Event.LogLine) e).line()).toList();
    }

    private static Frame frame(StreamType type, String text) {
        return new Frame(type, text.getBytes(StandardCharsets.UTF_8));
    }
}
