package io.jenkins.plugins.cd4ml.testing;

import io.jenkins.plugins.cd4ml.engine.CancelToken;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.util.Map;

/** Engine contexts for tests: the test JVM's environment (as the CLI would hand in) unless given. */
public final class TestContexts {

    private TestContexts() {
    }

    /** The process environment, events dropped, a fresh token. */
    public static EngineContext context() {
        return context(EventSink.NONE);
    }

    /** The process environment, events to {@code events}, a fresh token. */
    public static EngineContext context(EventSink events) {
        return EngineContext.builder().environment(System.getenv()).events(events).build();
    }

    /** The process environment, events to {@code events}, cancelled through {@code cancel}. */
    public static EngineContext context(EventSink events, CancelToken cancel) {
        return EngineContext.builder().environment(System.getenv()).events(events).cancel(cancel).build();
    }

    /** Exactly {@code environment}, events to {@code events}. */
    public static EngineContext context(Map<String, String> environment, EventSink events) {
        return EngineContext.builder().environment(environment).events(events).build();
    }
}
