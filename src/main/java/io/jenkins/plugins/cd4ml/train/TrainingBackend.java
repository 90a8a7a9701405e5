package io.jenkins.plugins.cd4ml.train;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.event.EventSink;

/**
 * Runs a training script somewhere: this machine, a container, a Kubernetes Job, SageMaker.
 *
 * <p>Every backend honours the SageMaker training-container contract, so one {@code train.py}
 * runs unchanged on all of them. A backend runs the job and leaves the model files in
 * {@link RunDirectory#modelDir()} and the output in {@link RunDirectory#outputDir()} (downloading
 * them if it trained remotely); packaging and storing the model is common work done by
 * {@link Trainer}. A cancel of the operation's {@link io.jenkins.plugins.cd4ml.engine.CancelToken}
 * reaches every backend the same way: {@link Trainer} binds the token to the thread running the
 * backend, which is interrupted on cancel; the backend then stops what it started (process,
 * container, Job, training job) before throwing
 * {@link io.jenkins.plugins.cd4ml.OperationStoppedException}.
 */
public interface TrainingBackend extends AutoCloseable {

    /** The backend's configuration name, such as {@code local}. */
    String name();

    /**
     * Runs the job to completion, streaming its output as {@code LogLine} events with source
     * {@link #LOG_SOURCE}.
     *
     * @throws TrainingFailedException if the script failed
     */
    BackendRun run(TrainingJob job, EventSink events);

    /**
     * Follows an existing job of this backend to completion instead of starting one, with the
     * same log streaming, result handling and stopping as {@link #run} after it started its job.
     *
     * @param jobId the backend's name for the job
     * @param job the run as {@link #run} would get it; {@code job.runId()} is {@code jobId}
     * @throws Cd4mlException if this backend cannot attach to jobs
     */
    default BackendRun attach(String jobId, TrainingJob job, EventSink events) {
        throw cannotAttach(name());
    }

    /** True if {@link #attach} can follow existing jobs; checked before anything is staged. */
    default boolean canAttach() {
        return false;
    }

    /** The error for attaching to a job of a backend that cannot. */
    static Cd4mlException cannotAttach(String backendName) {
        return Cd4mlException.badInput("the " + backendName + " training backend cannot attach to an existing job",
                "--attach follows jobs of the sagemaker backend; train with --backend sagemaker, or without --attach");
    }

    /**
     * True if the script reads its channels from this machine's run directory (so the trainer
     * stages them there); false for backends that read {@code s3://} data where they run.
     */
    default boolean readsLocalChannels() {
        return true;
    }

    /** Releases clients the backend opened itself; backends handed their clients close nothing. */
    @Override
    default void close() {
    }

    /** The source name of training output lines. */
    String LOG_SOURCE = "train";
}
