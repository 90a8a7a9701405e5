package io.jenkins.plugins.cd4ml.image.jib;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The moment in which Jib's JVM-wide {@value JibServingImageBuilder#SEND_CREDENTIALS_OVER_HTTP}
 * system property is {@code true} for one build: opened (lock taken, property set) just before
 * {@code containerize}, closed (property restored, lock released) as soon as Jib has read it. One
 * lock for the JVM, so two builds never overlap their windows and no build inherits another's
 * setting. {@link #close()} may be called many times and from any thread; only the first call on
 * the opening thread does anything (Jib dispatches the first event on the calling thread, later
 * ones from its executor).
 */
final class HttpCredentialsWindow implements AutoCloseable {

    private static final ReentrantLock LOCK = new ReentrantLock();

    private final String previous;
    private boolean closed;

    private HttpCredentialsWindow(String previous) {
        this.previous = previous;
    }

    /** Waits for any other window to close, then sets the property. */
    static HttpCredentialsWindow open() {
        LOCK.lock();
        HttpCredentialsWindow window = new HttpCredentialsWindow(
                System.getProperty(JibServingImageBuilder.SEND_CREDENTIALS_OVER_HTTP));
        System.setProperty(JibServingImageBuilder.SEND_CREDENTIALS_OVER_HTTP, "true");
        return window;
    }

    /** Restores the property as it was and lets the next build open its window. */
    @Override
    public void close() {
        if (closed || !LOCK.isHeldByCurrentThread()) {
            return;
        }
        closed = true;
        try {
            if (previous == null) {
                System.clearProperty(JibServingImageBuilder.SEND_CREDENTIALS_OVER_HTTP);
            } else {
                System.setProperty(JibServingImageBuilder.SEND_CREDENTIALS_OVER_HTTP, previous);
            }
        } finally {
            LOCK.unlock();
        }
    }
}
