package io.jenkins.plugins.cd4ml.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows {@code metrics.json} while a run writes it, one JSON object per line appended as the
 * script goes ({@code {"step": 3, "accuracy": 0.91}}), and hands each new record's metrics to a
 * listener: the intermediate values a tune's pruner reads. Works where the run directory is on
 * this machine while the script runs (the local and docker backends).
 *
 * <p>Only complete lines that hold a JSON object count; anything else (a pretty-printed final
 * object, a half-written line) is left to {@link MetricsFile#read} after the run.
 */
final class MetricsFileFollower implements AutoCloseable {

    private final Path file;
    private final Consumer<Map<String, Double>> listener;
    private final long periodMillis;
    private final Thread thread;
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean stopped;
    private long offset;

    private MetricsFileFollower(Path file, Consumer<Map<String, Double>> listener, Duration period) {
        this.file = file;
        this.listener = listener;
        this.periodMillis = period.toMillis();
        this.thread = new Thread(this::follow, "cd4ml-metrics-json");
        thread.setDaemon(true);
    }

    /** Starts following {@code file} (which need not exist yet), polling every {@code period}. */
    static MetricsFileFollower start(Path file, Consumer<Map<String, Double>> listener, Duration period) {
        MetricsFileFollower follower = new MetricsFileFollower(file, listener, period);
        follower.thread.start();
        return follower;
    }

    private void follow() {
        while (!stopped) {
            try {
                poll();
            } catch (IOException | RuntimeException e) {
                // the file is being replaced or the run is ending; the next poll (or the final read) sees it
            }
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void poll() throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        long size = Files.size(file);
        if (size < offset) { // rewritten from the start
            offset = 0;
            partial.setLength(0);
        }
        if (size == offset) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - offset, 1 << 20));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(buffer, offset);
        }
        buffer.flip();
        // cut at the last newline, so a multi-byte character or a line is never split
        int end = buffer.limit();
        while (end > 0 && buffer.get(end - 1) != '\n') {
            end--;
        }
        if (end == 0) {
            return;
        }
        byte[] bytes = new byte[end];
        buffer.get(bytes);
        offset += end;
        partial.append(new String(bytes, StandardCharsets.UTF_8));
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, newline).strip();
            partial.delete(0, newline + 1);
            Map<String, Double> record = MetricsFile.record(line);
            if (!record.isEmpty()) {
                listener.accept(record);
            }
        }
    }

    /** Stops following; records written after the last poll are read by {@link MetricsFile#read}. */
    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
