package io.jenkins.plugins.cd4ml.train.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.OperationStoppedException;
import io.jenkins.plugins.cd4ml.docker.DockerErrors;
import io.jenkins.plugins.cd4ml.event.EventSink;
import java.io.IOException;

/**
 * Makes sure the training image is on the Docker host: uses it if present, else pulls it (with the
 * registry credentials of the Docker configuration), reporting progress as events.
 */
final class TrainingImage {

    private TrainingImage() {
    }

    /**
     * Returns once {@code image} is on the daemon's host.
     *
     * @throws Cd4mlException if it is missing and cannot be pulled
     * @throws OperationStoppedException if the thread was interrupted while pulling
     */
    static void ensurePresent(DockerClient docker, String image, EventSink events) {
        try {
            docker.inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException e) {
            events.info("image " + image + " is not on this Docker host; pulling it");
        }
        Progress progress = new Progress(events);
        try {
            PullImageCmd pull = docker.pullImageCmd(repository(image));
            String tag = tag(image);
            if (tag != null) {
                pull.withTag(tag);
            }
            pull.exec(progress).awaitCompletion();
        } catch (InterruptedException e) {
            closeQuietly(progress);
            Thread.currentThread().interrupt();
            throw new OperationStoppedException("pulling image " + image);
        } catch (RuntimeException e) {
            throw Cd4mlException.workFailed("image " + image + " is not on this Docker host and could not be pulled: "
                    + DockerErrors.message(e), "build or load it on the Docker host (docker build -t " + image
                    + " …, docker load), or set train.image (or --image) to an image that exists", e);
        }
        events.info("pulled image " + image);
    }

    /** The image name without its tag; with a digest, the whole reference (which the daemon reads). */
    static String repository(String image) {
        if (image.contains("@")) {
            return image;
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    /**
     * The tag to pull: the reference's own, or {@code latest} as the docker CLI assumes (an empty
     * tag would make the daemon pull every tag of the repository); null for a digest reference.
     */
    static String tag(String image) {
        if (image.contains("@")) {
            return null;
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
    }

    private static void closeQuietly(PullImageResultCallback callback) {
        try {
            callback.close();
        } catch (IOException e) {
            // the pull is abandoned either way
        }
    }

    /** Reports the pull: overall status as information, per-layer progress as debug detail. */
    private static final class Progress extends PullImageResultCallback {

        private final EventSink events;

        Progress(EventSink events) {
            this.events = events;
        }

        @Override
        public void onNext(PullResponseItem item) {
            super.onNext(item);
            String status = item.getStatus();
            if (status == null) {
                return;
            }
            if (item.getId() == null) {
                events.info(status);
            } else if (status.equals("Pull complete")) {
                events.info("layer " + item.getId() + " pulled");
            } else {
                String detail = item.getProgress() != null ? " " + item.getProgress() : "";
                events.debug("layer " + item.getId() + ": " + status + detail);
            }
        }
    }
}
