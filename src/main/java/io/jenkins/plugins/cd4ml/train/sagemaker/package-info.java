/**
 * The {@code sagemaker} training backend: one cd4ml run is one Amazon SageMaker training job.
 *
 * <h2>How the code gets into the container</h2>
 *
 * <p>The project directory (without {@code .cd4ml/}, {@code .git/} and Python byte code) is packed
 * as {@code sourcedir.tar.gz} and uploaded to
 * {@code <train.output>/<project>/code/<run id>/sourcedir.tar.gz}. The training job gets the
 * hyperparameters {@code sagemaker_program} and {@code sagemaker_submit_directory} (the archive's
 * S3 URI), JSON-encoded as the SageMaker Python SDK sends them. The SageMaker training toolkit
 * ({@code sagemaker-training}), which AWS's framework images (scikit-learn, PyTorch, TensorFlow,
 * XGBoost, Hugging Face) start as their {@code train} program, downloads the archive into
 * {@code /opt/ml/code} and runs the program there. The program is cd4ml's
 * {@code cd4ml_requirements.py}, packed with the code: it records the library versions of the
 * container's Python (for {@code model.json}) in {@code /opt/ml/output/data}, then replaces itself
 * with the entrypoint that the environment variable {@code CD4ML_PROGRAM} names (e.g.
 * {@code train.py}) and the same arguments, so {@code train.py} runs unchanged.
 *
 * <p>A custom {@code train.image} must therefore either contain the toolkit
 * ({@code pip install sagemaker-training}, with {@code ENV SAGEMAKER_TRAINING_MODULE} unset and
 * the toolkit's {@code train} entry point on the {@code PATH}), or contain the code itself and
 * start it from its own {@code train} executable; such an image simply ignores the
 * {@code sagemaker_*} hyperparameters.
 *
 * <h2>What the toolkit gives the script</h2>
 *
 * <p>The script's hyperparameters travel as the same plain strings the other backends write to
 * {@code hyperparameters.json}. The toolkit decodes them as JSON where they parse (so
 * {@code SM_HPS} holds {@code 100} rather than {@code "100"}) and passes them as
 * {@code --name value} arguments; the other backends do the same
 * ({@link io.jenkins.plugins.cd4ml.train.ScriptMode}), so a script sees no difference.
 *
 * <h2>Results</h2>
 *
 * <p>SageMaker writes {@code model.tar.gz} (and {@code output.tar.gz} from
 * {@code /opt/ml/output/data}) under {@code <train.output>/<project>/jobs/<job>/output/}; the
 * backend unpacks them into the run directory, and the trainer packages the model with its
 * manifest like any other backend's.
 *
 * <h2>Tuning jobs</h2>
 *
 * <p>{@link io.jenkins.plugins.cd4ml.train.sagemaker.SageMakerTrainingBackend#tune} runs a tune as
 * one SageMaker hyperparameter tuning job ({@code TuningJobRequest}): its training job
 * definition is built from the same {@code JobDefinition.Parts} as a single training job's
 * request, the code is uploaded once under the tuning job's name, and {@code TuningJobWatcher}
 * follows it; the best training job is then attached to like any finished job.
 */
package io.jenkins.plugins.cd4ml.train.sagemaker;
