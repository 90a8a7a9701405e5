package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.json as one object or as records appended line by line, read at the end and followed live. */
class MetricsFileTest {

    @Test
    void oneObjectGivesItsNumbers(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("metrics.json");
        Files.writeString(file, "{\n  \"accuracy\": 0.97,\n  \"name\": \"x\",\n  \"loss\": 0.1\n}\n");
        assertThat(MetricsFile.read(file)).containsExactly(Map.entry("accuracy", 0.97), Map.entry("loss", 0.1));
    }

    @Test
    void recordsLineByLineEndAtEachMetricsLastValueAndStepIsNoMetric(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("metrics.json");
        Files.writeString(file, """
                {"step": 1, "accuracy": 0.5, "loss": 0.9}
                {"step": 2, "accuracy": 0.7}
                {"step": 3, "accuracy": 0.8, "f1": 0.6}
                """);
        assertThat(MetricsFile.read(file)).containsExactlyInAnyOrderEntriesOf(Map.of("accuracy", 0.8, "loss", 0.9,
                "f1", 0.6));
    }

    @Test
    void aBrokenFileFailsTheRunSayingWhatToWrite(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("metrics.json");
        Files.writeString(file, "{\"accuracy\": 0.5}\n{\"accuracy\": ");
        assertThatThrownBy(() -> MetricsFile.read(file)).isInstanceOf(TrainingFailedException.class)
                .hasMessageContaining("is not valid JSON");
    }

    @Test
    void theFollowerHandsOnEachCompleteRecordAsItIsAppended(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("metrics.json");
        List<Map<String, Double>> seen = new CopyOnWriteArrayList<>();
        try (MetricsFileFollower follower = MetricsFileFollower.start(file, seen::add, Duration.ofMillis(20))) {
            Files.writeString(file, "{\"step\": 1, \"score\": 0.25}\n{\"score\": 0.5");
            await(() -> seen.size() == 1);
            Files.writeString(file, ", \"other\": 1}\nnot json\n{\"score\": 0.75}\n",
                    java.nio.file.StandardOpenOption.APPEND);
            await(() -> seen.size() == 3);
        }
        assertThat(seen).containsExactly(Map.of("score", 0.25), Map.of("score", 0.5, "other", 1.0),
                Map.of("score", 0.75));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).as("within 5 s").isTrue();
    }
}
