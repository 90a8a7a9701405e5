package io.jenkins.plugins.cd4ml.gate;

import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.util.Optional;

/**
 * Finds the model a candidate is compared with ({@code quality_gate.compare_to}).
 *
 * <p>Empty means there is nothing to compare with yet (the project's first model); an exception
 * means the lookup itself is broken.
 */
@FunctionalInterface
public interface ChampionLookup {

    /**
     * The model {@code compareTo} names for {@code candidate}.
     *
     * @param compareTo {@code previous}, {@code deployed} or {@code deployed:ENV}
     */
    Optional<ModelManifest> find(String compareTo, ModelManifest candidate);
}
