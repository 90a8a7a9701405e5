package io.jenkins.plugins.cd4ml.run;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.engine.EngineContext;
import java.util.Optional;

/**
 * One stage of the main job (validate, train, tune, gate, promote, image, deploy), with the one
 * contract {@link MainJob} runs every stage by. A new stage is a class implementing this and one
 * line in {@link MainJob}'s list.
 *
 * <p>Whether a stage runs: not {@link #configured} → skipped; configured but this version cannot
 * run it ({@link #available} false) → reported as not available, unless the front end requested
 * it, which fails the run before any stage starts; a {@link #skipReason} → skipped; a stage that
 * {@link #ships} the model runs only once every configured {@link #gates gating} stage succeeded.
 * A stage fails by throwing a {@link io.jenkins.plugins.cd4ml.Cd4mlException} (user errors end
 * the run as usage errors), and is stopped when the context's token is cancelled
 * ({@link io.jenkins.plugins.cd4ml.OperationStoppedException}).
 */
public interface Stage {

    /** The stage's name in results and events, such as {@code train}. */
    String name();

    /** True if the project's configuration asks for this stage. */
    boolean configured(ProjectConfig config);

    /** Why the stage is skipped when not configured, such as {@code no tune section}. */
    String whyNotConfigured(ProjectConfig config);

    /** True if this version of cd4ml can run the stage. */
    default boolean available() {
        return true;
    }

    /** True if the model must pass this stage to be promoted or shipped (the quality gate). */
    default boolean gates() {
        return false;
    }

    /** True if this stage hands the model to others (a push, a deploy). */
    default boolean ships(RunState state) {
        return false;
    }

    /**
     * Why a configured stage does not run now (not requested, nothing to do), or empty to run it;
     * asked just before the stage would start, with the results of the stages before it.
     */
    default Optional<String> skipReason(RunState state) {
        return Optional.empty();
    }

    /**
     * Checks, before any stage runs, what can be checked early (a tag template that cannot be
     * filled), so a run fails before training rather than after.
     *
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException describing the problem
     */
    default void check(RunState state, EngineContext context) {
    }

    /** One line saying what the stage is about to do. */
    String description(RunState state);

    /**
     * Runs the stage, recording what it produced in {@code state}.
     *
     * @return one line for humans saying what it did
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException if the stage failed
     * @throws io.jenkins.plugins.cd4ml.OperationStoppedException if the context's token was cancelled
     */
    String run(RunState state, EngineContext context);
}
