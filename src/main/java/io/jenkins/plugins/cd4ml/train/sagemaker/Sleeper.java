package io.jenkins.plugins.cd4ml.train.sagemaker;

import java.time.Duration;

/**
 * Waits between polls of a remote job. Production sleeps; tests pass one that returns at once
 * (and may advance a simulated job), so a polling loop runs in milliseconds.
 */
@FunctionalInterface
public interface Sleeper {

    /** Sleeps on the calling thread, which an interrupt ends early. */
    Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

    /**
     * Waits for {@code duration}.
     *
     * @throws InterruptedException if the thread is interrupted (the caller then stops its job)
     */
    void sleep(Duration duration) throws InterruptedException;
}
