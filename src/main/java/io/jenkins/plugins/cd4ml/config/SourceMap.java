package io.jenkins.plugins.cd4ml.config;

import java.util.Map;
import java.util.Optional;

/**
 * The source position of every setting read from the configuration, by dotted path.
 *
 * <p>Lets checks made long after parsing (a missing file, a failed deploy of a bad value) still
 * point at {@code config.yaml:14:5}.
 */
public final class SourceMap {

    private final Map<String, Position> positions;
    private final Position fallback;

    SourceMap(Map<String, Position> positions, Position fallback) {
        this.positions = Map.copyOf(positions);
        this.fallback = fallback;
    }

    /** The position of a setting, such as {@code train.channels.train}. */
    public Optional<Position> find(String path) {
        return Optional.ofNullable(positions.get(path));
    }

    /** The position of a setting, or of its closest enclosing section, or of the file. */
    public Position of(String path) {
        String p = path;
        while (true) {
            Position found = positions.get(p);
            if (found != null) {
                return found;
            }
            int dot = p.lastIndexOf('.');
            if (dot < 0) {
                return fallback;
            }
            p = p.substring(0, dot);
        }
    }
}
