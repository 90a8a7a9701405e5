package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.event.EventSink;

/**
 * Turns a prepared build context into a serving image: through a Docker daemon
 * ({@link io.jenkins.plugins.cd4ml.image.docker.DockerServingImageBuilder}) or without one
 * ({@link io.jenkins.plugins.cd4ml.image.jib.JibServingImageBuilder}).
 *
 * <p>Implementations take their client in the constructor, report progress (build output, push
 * progress) as events, never put a credential into an event, message or the image, and when the
 * calling thread is interrupted stop what they started before throwing
 * {@link io.jenkins.plugins.cd4ml.OperationStoppedException}.
 */
public interface ServingImageBuilder {

    /** The builder's name as {@code serve.image.builder} writes it: {@code docker} or {@code jib}. */
    String name();

    /**
     * Builds the image; pushes it, loads it into the daemon or writes a tarball as requested.
     *
     * @throws io.jenkins.plugins.cd4ml.Cd4mlException saying what failed and what to do
     */
    BuiltImage build(ImageBuildRequest request, EventSink events);
}
