package io.jenkins.plugins.cd4ml.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as {@code 90m}, {@code 1h}, {@code 1h30m}, {@code 45s}, {@code 2d}. */
public final class Durations {

    private static final Pattern WHOLE = Pattern.compile("([0-9]+[smhd])+");
    private static final Pattern PART = Pattern.compile("([0-9]+)([smhd])");
    private static final String ALLOWED = "use whole numbers with a unit s, m, h or d, such as 90m, 1h or 1h30m";
    /** The longest duration accepted; longer ones are typos (and overflow the arithmetic). */
    public static final Duration LONGEST = Duration.ofDays(365);

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a user-facing message naming the allowed forms
     */
    public static Duration parse(String text) {
        String t = text.trim();
        if (t.matches("[0-9]+")) {
            throw new IllegalArgumentException("'" + text + "' has no unit; " + ALLOWED + " (" + t + "s for seconds)");
        }
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; " + ALLOWED);
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            Duration part;
            try {
                long n = Long.parseLong(m.group(1));
                part = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                total = total.plus(part);
            } catch (NumberFormatException | ArithmeticException e) {
                part = null;
            }
            if (part == null || total.compareTo(LONGEST) > 0) {
                throw new IllegalArgumentException("'" + text + "' is too long; a duration may be at most 365d");
            }
        }
        if (total.isZero()) {
            throw new IllegalArgumentException("'" + text + "' is zero; a duration must be positive");
        }
        return total;
    }

    /** Formats a duration back into the shortest configuration form, such as {@code 1h30m}. */
    public static String format(Duration duration) {
        long s = duration.getSeconds();
        StringBuilder out = new StringBuilder();
        if (s >= 3600) {
            out.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            out.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0 || out.length() == 0) {
            out.append(s).append('s');
        }
        return out.toString();
    }
}
