package io.jenkins.plugins.cd4ml.train.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import io.jenkins.plugins.cd4ml.docker.DockerErrors;
import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.train.TrainingBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Follows a container's stdout and stderr from its start, as {@link Event.LogLine}s with source
 * {@link TrainingBackend#LOG_SOURCE}.
 *
 * <p>The daemon sends output in frames that need not end at a line break, so each stream keeps
 * its unfinished line until the rest arrives (or the stream ends). Once closed, late frames are
 * dropped: the caller may already have closed what its events feed.
 */
final class ContainerLog extends ResultCallback.Adapter<Frame> {

    private final EventSink events;
    private final String containerId;
    private final Map<StreamType, ByteArrayOutputStream> partial = new EnumMap<>(StreamType.class);
    private boolean finished;

    ContainerLog(EventSink events, String containerId) {
        this.events = events;
        this.containerId = containerId;
    }

    /** Starts following the container's whole output (from its first line) on docker-java's stream thread. */
    static ContainerLog follow(DockerClient docker, String containerId, EventSink events) {
        return docker.logContainerCmd(containerId).withFollowStream(true).withStdOut(true).withStdErr(true)
                .withTailAll().exec(new ContainerLog(events, containerId));
    }

    @Override
    public synchronized void onNext(Frame frame) {
        if (finished) {
            return;
        }
        ByteArrayOutputStream line = partial.computeIfAbsent(frame.getStreamType(), t -> new ByteArrayOutputStream());
        for (byte b : frame.getPayload()) {
            if (b == '\n') {
                emit(line);
            } else {
                line.write(b);
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        synchronized (this) {
            if (!finished) {
                events.warn("lost the output of container " + containerId.substring(0, 12) + ": "
                        + DockerErrors.message(error));
            }
        }
        super.onError(error);
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (!finished) {
                partial.values().stream().filter(line -> line.size() > 0).forEach(this::emit);
                finished = true;
            }
        }
        super.close();
    }

    /** Waits for the output to end (it does once the container has stopped); false on timeout. */
    boolean awaitEnd(long seconds) throws InterruptedException {
        try {
            return awaitCompletion(seconds, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            return true; // the stream broke; onError has reported it
        }
    }

    /** Stops following: emits what is left of unfinished lines and drops anything later. */
    void stop() {
        try {
            close();
        } catch (IOException e) {
            // closing the response stream of a finished container; nothing left to lose
        }
    }

    private void emit(ByteArrayOutputStream line) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        events.accept(new Event.LogLine(TrainingBackend.LOG_SOURCE, text.endsWith("\r")
                ? text.substring(0, text.length() - 1) : text));
    }
}
