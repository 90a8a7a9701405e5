package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** Work on its own thread, as a CLI command or Jenkins step would run it, that a test can interrupt. */
final class Background<T> {

    private final Thread thread;
    private final AtomicReference<T> result = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Background(Callable<T> work) {
        thread = new Thread(() -> {
            try {
                result.set(work.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "cd4ml-test-work");
        thread.setDaemon(true);
    }

    static <T> Background<T> start(Callable<T> work) {
        Background<T> background = new Background<>(work);
        background.thread.start();
        return background;
    }

    /** Interrupts the work, as Ctrl-C or a Jenkins abort does. */
    void interrupt() {
        thread.interrupt();
    }

    /** The work's result, or the exception it threw, rethrown. */
    T await(Duration timeout) throws Exception {
        thread.join(timeout.toMillis());
        if (thread.isAlive()) {
            return fail("the work did not finish within %s", timeout);
        }
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return result.get();
    }
}
