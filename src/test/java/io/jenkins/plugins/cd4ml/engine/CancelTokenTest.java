package io.jenkins.plugins.cd4ml.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.OperationStoppedException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancelTokenTest {

    @Test
    void cancelRunsEachRegisteredActionOnceAndLateRegistrationsAtOnce() {
        CancelToken token = new CancelToken();
        AtomicInteger runs = new AtomicInteger();
        token.onCancel(runs::incrementAndGet);
        CancelToken.Registration forgotten = token.onCancel(() -> runs.addAndGet(100));
        forgotten.close();

        token.cancel();
        token.cancel();
        assertThat(runs).hasValue(1);

        token.onCancel(runs::incrementAndGet);
        assertThat(runs).hasValue(2);
        assertThat(token.isCancelled()).isTrue();
    }

    @Test
    void aFailingActionDoesNotKeepTheOthersFromRunning() {
        CancelToken token = new CancelToken();
        AtomicInteger runs = new AtomicInteger();
        token.onCancel(() -> {
            throw new IllegalStateException("broken stop");
        });
        token.onCancel(runs::incrementAndGet);

        token.cancel();

        assertThat(runs).hasValue(1);
    }

    @Test
    void throwIfCancelledSaysWhatWasStopped() {
        CancelToken token = new CancelToken();
        token.throwIfCancelled("nothing yet");
        token.cancel();
        assertThatThrownBy(() -> token.throwIfCancelled("the training of demo"))
                .isInstanceOf(OperationStoppedException.class).hasMessage("stopped: the training of demo");
    }

    @Test
    void interruptOnCancelInterruptsTheBoundThreadAndClearsTheFlagOnClose() {
        CancelToken token = new CancelToken();
        try (CancelToken.Registration bound = token.interruptOnCancel()) {
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            token.cancel();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        }
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aClosedBindingNoLongerInterrupts() {
        CancelToken token = new CancelToken();
        token.interruptOnCancel().close();
        token.cancel();
        assertThat(Thread.interrupted()).isFalse();
    }
}
