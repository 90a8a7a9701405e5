package io.jenkins.plugins.cd4ml.train.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.event.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The polling rhythm and retries both SageMaker watchers share (the training job's is also
 * exercised against the simulated API in SageMakerTrainingTest; the tuning job's only here).
 */
class StatusPollerTest {

    private final List<Duration> slept = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final StatusPoller poller = new StatusPoller(slept::add, events::add);

    private static Cd4mlException failure(Throwable cause) {
        return Cd4mlException.workFailed("sagemaker:DescribeTrainingJob failed: " + cause.getMessage(), "retry", cause);
    }

    private static Cd4mlException droppedConnection() {
        return failure(SdkClientException.builder().message("Connection reset").build());
    }

    private static List<Duration> seconds(double... values) {
        List<Duration> durations = new ArrayList<>();
        for (double v : values) {
            durations.add(Duration.ofNanos(Math.round(v * 1e9)));
        }
        return durations;
    }

    @Test
    void pollsEveryFiveSecondsWhileSomethingMovesAndBacksOffToThirtyWhileNothingDoes() throws Exception {
        // polls 1..9 see nothing new except poll 4; poll 10 sees the end
        AtomicInteger polls = new AtomicInteger();
        String end = poller.pollUntilEnded("training job j", polls::incrementAndGet, n -> n == 10
                ? StatusPoller.ended("Completed after " + n) : StatusPoller.running(n == 4));

        assertThat(end).isEqualTo("Completed after 10");
        assertThat(slept).isEqualTo(seconds(5, 7.5, 11.25, 5, 7.5, 11.25, 16.875, 25.3125, 30));
        assertThat(events).isEmpty();
    }

    @Test
    void aReadThatFailsForAReasonUnrelatedToTheJobIsWarnedAboutAndRetriedTenTimesInARow() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        String end = poller.pollUntilEnded("tuning job t", () -> {
            if (reads.incrementAndGet() <= 10) {
                throw droppedConnection();
            }
            return "Completed";
        }, StatusPoller::ended);

        assertThat(end).isEqualTo("Completed");
        assertThat(slept).hasSize(10).startsWith(seconds(5, 7.5).toArray(Duration[]::new));
        assertThat(events).hasSize(10).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(Event.Message.class,
                m -> {
                    assertThat(m.level()).isEqualTo(Event.Level.WARNING);
                    assertThat(m.text()).startsWith("could not read the status of tuning job t (").contains(
                            "Connection reset").endsWith("); trying again");
                }));
    }

    @Test
    void theEleventhFailureInARowEndsThePolling() {
        AtomicInteger reads = new AtomicInteger();
        assertThatThrownBy(() -> poller.pollUntilEnded("tuning job t", () -> {
            reads.incrementAndGet();
            throw droppedConnection();
        }, StatusPoller::ended)).isInstanceOf(Cd4mlException.class).hasMessageContaining("Connection reset");
        assertThat(reads).hasValue(11);
    }

    @Test
    void aSuccessfulReadStartsTheCountOfFailuresAgain() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        String end = poller.pollUntilEnded("training job j", () -> {
            int n = reads.incrementAndGet();
            if (n != 11 && n < 22) {
                throw droppedConnection(); // 10 failures, one answer, 10 failures
            }
            return n;
        }, n -> n == 22 ? StatusPoller.ended("Completed") : StatusPoller.running(false));

        assertThat(end).isEqualTo("Completed");
        assertThat(events).hasSize(20);
    }

    @Test
    void aFailureThatSaysSomethingAboutTheJobEndsThePollingAtOnce() {
        Cd4mlException denied = Cd4mlException.badInput("training job j does not exist", "check the name");
        assertThatThrownBy(() -> poller.pollUntilEnded("training job j", () -> {
            throw denied;
        }, StatusPoller::ended)).isSameAs(denied);
        assertThat(slept).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void anInterruptEndsThePollingBeforeTheNextRead() {
        AtomicInteger reads = new AtomicInteger();
        StatusPoller interrupting = new StatusPoller(d -> Thread.currentThread().interrupt(), events::add);
        try {
            assertThatThrownBy(() -> interrupting.pollUntilEnded("training job j", reads::incrementAndGet,
                    n -> StatusPoller.running(true))).isInstanceOf(InterruptedException.class)
                    .hasMessage("following training job j");
        } finally {
            Thread.interrupted();
        }
        assertThat(reads).hasValue(1);
    }
}
