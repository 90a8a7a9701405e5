package io.jenkins.plugins.cd4ml.engine;

import io.jenkins.plugins.cd4ml.event.EventSink;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything one engine operation takes from the front end that calls it: the environment, the
 * clients (and through them the credentials), where events go, how to cancel, and how to word
 * advice. After Jib's {@code Containerizer}, which carries the executor, event handlers and the
 * calling tool's name into {@code containerize(...)}.
 *
 * <pre>{@code
 * EngineContext context = EngineContext.builder()
 *         .environment(System.getenv())     // the CLI; a Jenkins step passes the build's environment
 *         .events(console)
 *         .cancel(token)
 *         .advice(Advice.CLI)
 *         .build();
 * TrainingResult result = Trainer.forProject(config, context).call();
 * }</pre>
 *
 * <p>Nothing in the engine reads {@code System.getenv}, {@code System.getProperty} or
 * {@code user.home}, or sets a JVM property: settings come from here, so two operations in one JVM
 * (two Jenkins builds on one agent) never see each other's environment or credentials. A context
 * is immutable; {@link #withEvents} derives one that reports elsewhere.
 */
public final class EngineContext {

    private final Map<String, String> environment;
    private final EventSink events;
    private final CancelToken cancel;
    private final Advice advice;
    private final Clients clients;

    private EngineContext(Builder builder) {
        this.environment = Map.copyOf(builder.environment);
        this.events = builder.events;
        this.cancel = builder.cancel;
        this.advice = builder.advice;
        this.clients = builder.clients != null ? builder.clients.apply(environment)
                : Clients.fromEnvironment(environment);
    }

    private EngineContext(EngineContext base, EventSink events) {
        this.environment = base.environment;
        this.events = events;
        this.cancel = base.cancel;
        this.advice = base.advice;
        this.clients = base.clients;
    }

    /** A builder with an empty environment, no event sink, a fresh token and the CLI's words for advice. */
    public static Builder builder() {
        return new Builder();
    }

    /** The environment variables of this operation (immutable). */
    public Map<String, String> environment() {
        return environment;
    }

    /** Where the operation's events go. */
    public EventSink events() {
        return events;
    }

    /** The token that stops this operation. */
    public CancelToken cancel() {
        return cancel;
    }

    /** How the front end spells its options, for error suggestions. */
    public Advice advice() {
        return advice;
    }

    /** The client factories of this operation. */
    public Clients clients() {
        return clients;
    }

    /** This context with events going to {@code events} instead (same environment, token and clients). */
    public EngineContext withEvents(EventSink events) {
        return new EngineContext(this, Objects.requireNonNull(events, "events"));
    }

    /** Builds an {@link EngineContext}. */
    public static final class Builder {
        private Map<String, String> environment = Map.of();
        private EventSink events = EventSink.NONE;
        private CancelToken cancel = new CancelToken();
        private Advice advice = Advice.CLI;
        private Function<Map<String, String>, Clients> clients;

        private Builder() {
        }

        /** The operation's environment variables (copied); empty by default. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** Where events go; dropped by default. */
        public Builder events(EventSink events) {
            this.events = Objects.requireNonNull(events, "events");
            return this;
        }

        /** The token that stops the operation; a fresh one by default. */
        public Builder cancel(CancelToken cancel) {
            this.cancel = Objects.requireNonNull(cancel, "cancel");
            return this;
        }

        /** How the front end spells its options; {@link Advice#CLI} (the engine's own wording) by default. */
        public Builder advice(Advice advice) {
            this.advice = Objects.requireNonNull(advice, "advice");
            return this;
        }

        /** These clients instead of {@link Clients#fromEnvironment} (tests hand in mock-backed ones). */
        public Builder clients(Clients clients) {
            Objects.requireNonNull(clients, "clients");
            this.clients = env -> clients;
            return this;
        }

        /** Clients made from the final environment, for clients that differ from production in a detail. */
        public Builder clients(Function<Map<String, String>, Clients> factory) {
            this.clients = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public EngineContext build() {
            return new EngineContext(this);
        }
    }
}
