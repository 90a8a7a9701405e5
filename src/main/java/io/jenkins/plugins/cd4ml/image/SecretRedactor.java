package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.event.Event;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keeps known secrets out of text: registry passwords and the values of environment variables
 * whose names say they are secret ({@code *_SECRET*}, {@code *PASSWORD*}, {@code *TOKEN*}, …).
 *
 * <p>A second line of defence: builders never put secrets into events or messages on purpose,
 * but daemons and registries echo things back.
 */
public final class SecretRedactor {

    /** Replaces each secret. */
    public static final String MASK = "****";
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|ACCESS_KEY).*");
    /** Shorter values would mask ordinary words and numbers. */
    private static final int MIN_LENGTH = 6;

    private final Set<String> secrets;

    private SecretRedactor(Set<String> secrets) {
        this.secrets = Set.copyOf(secrets);
    }

    /** Redacts {@code secrets} and the secret-looking variables of {@code environment}. */
    public static SecretRedactor of(Collection<String> secrets, Map<String, String> environment) {
        Set<String> all = new LinkedHashSet<>();
        for (String s : secrets) {
            if (s != null && s.length() >= MIN_LENGTH) {
                all.add(s);
            }
        }
        environment.forEach((name, value) -> {
            if (SECRET_NAME.matcher(name).matches() && value != null && value.length() >= MIN_LENGTH) {
                all.add(value);
            }
        });
        return new SecretRedactor(all);
    }

    /** {@code text} with every secret replaced by {@link #MASK}. */
    public String redact(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String result = text;
        for (String secret : secrets) {
            result = result.replace(secret, MASK);
        }
        return result;
    }

    private Event redact(Event event) {
        if (event instanceof Event.LogLine l) {
            return new Event.LogLine(l.source(), redact(l.line()));
        } else if (event instanceof Event.Message m) {
            return new Event.Message(m.level(), redact(m.text()));
        } else if (event instanceof Event.StageStarted s) {
            return new Event.StageStarted(s.stage(), redact(s.description()));
        } else if (event instanceof Event.StageFinished f) {
            return new Event.StageFinished(f.stage(), f.status(), redact(f.summary()));
        }
        return event;
    }

    /** A sink that redacts the text of every event before passing it on. */
    public EventSink redacting(EventSink sink) {
        if (secrets.isEmpty()) {
            return sink;
        }
        return event -> sink.accept(redact(event));
    }
}
