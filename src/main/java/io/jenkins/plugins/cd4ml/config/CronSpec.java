package io.jenkins.plugins.cd4ml.config;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Jenkins cron spec ({@code H 3 * * 1}, {@code H(0-29) 2 * * 1-5}, {@code @daily}) the
 * way Jenkins reads it: five fields, each a comma list of {@code *}, {@code H}, {@code H(a-b)},
 * a number or a range, optionally with {@code /step}, and numbers within each field's range.
 */
final class CronSpec {

    private static final List<String> KEYWORDS = List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily",
            "@midnight", "@hourly");
    private static final List<String> FIELDS = List.of("MINUTE", "HOUR", "DOM", "MONTH", "DOW");
    private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
    private static final Pattern TERM = Pattern.compile(
            "(\\*|H|H\\((\\d+)-(\\d+)\\)|(\\d+)(?:-(\\d+))?)(?:/(\\d+))?");

    private CronSpec() {
    }

    static String check(YamlMap map, String key) {
        String spec = map.string(key);
        if (spec == null) {
            return null;
        }
        for (String line : spec.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("TZ=") || KEYWORDS.contains(l)) {
                continue;
            }
            String problem = lineProblem(l);
            if (problem != null) {
                map.problem(key, "'" + l + "' is not a Jenkins cron spec; " + problem);
                return null;
            }
        }
        return spec;
    }

    private static String lineProblem(String line) {
        String[] fields = line.split("\\s+");
        if (fields.length != 5) {
            return "use five fields MINUTE HOUR DOM MONTH DOW (H for a hashed value), e.g. \"H 3 * * 1\", or one of "
                    + String.join(", ", KEYWORDS);
        }
        for (int i = 0; i < 5; i++) {
            for (String term : fields[i].split(",", -1)) {
                Matcher m = TERM.matcher(term);
                if (!m.matches()) {
                    return FIELDS.get(i) + " '" + term + "' is not valid; use *, H, H(a-b), a number or a range a-b, "
                            + "optionally with /step";
                }
                for (int group : new int[] {2, 3, 4, 5}) {
                    if (m.group(group) != null) {
                        long n = Long.parseLong(m.group(group));
                        if (n < RANGES[i][0] || n > RANGES[i][1]) {
                            return FIELDS.get(i) + " " + n + " is out of range " + RANGES[i][0] + "-" + RANGES[i][1];
                        }
                    }
                }
            }
        }
        return null;
    }
}
