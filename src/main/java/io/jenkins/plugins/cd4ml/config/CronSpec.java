package io.jenkins.plugins.cd4ml.config;

import java.util.List;
import java.util.regex.Pattern;

/** Checks a Jenkins cron spec ({@code H 3 * * 1}, {@code @daily}) as far as it can be checked offline. */
final class CronSpec {

    private static final List<String> KEYWORDS = List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily",
            "@midnight", "@hourly");
    private static final Pattern FIELD = Pattern.compile("[0-9HA-Za-z*/,()\\-]+");

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
            String[] fields = l.split("\\s+");
            boolean valid = fields.length == 5;
            for (String field : fields) {
                valid &= FIELD.matcher(field).matches();
            }
            if (!valid) {
                map.problem(key, "'" + l + "' is not a Jenkins cron spec; use five fields MINUTE HOUR DOM MONTH DOW "
                        + "(H for a hashed value), e.g. \"H 3 * * 1\", or one of " + String.join(", ", KEYWORDS));
                return null;
            }
        }
        return spec;
    }
}
