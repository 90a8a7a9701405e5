package io.jenkins.plugins.cd4ml.image;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where things live in a serving image and in its build context, as the bundled
 * {@code resources/dockerfiles/serving/Dockerfile} lays them out.
 *
 * <p>Builders that do not read the Dockerfile (Jib) use these values to produce the same image;
 * a test keeps them in step with the Dockerfile.
 */
public final class ServingImageLayout {

    /** The Dockerfile in the build context. */
    public static final String CONTEXT_DOCKERFILE = "Dockerfile";
    /** The server's Python dependencies (pip requirements) in the build context. */
    public static final String CONTEXT_REQUIREMENTS = "requirements.txt";
    /**
     * The training environment's versions as pip constraints ({@code scikit-learn==1.2.1}) in the
     * build context, from {@code model.json}; pip installs the requirements with them where it can.
     */
    public static final String CONTEXT_CONSTRAINTS = "constraints.txt";
    /** The server package's directory in the build context. */
    public static final String CONTEXT_APP = "app";
    /** The model directory in the build context: artifact files, model.json, features.yaml, predict.py. */
    public static final String CONTEXT_MODEL = "model";

    /** Where the requirements file goes in the image. */
    public static final String IMAGE_REQUIREMENTS = "/opt/cd4ml/requirements.txt";
    /** Where the constraints file goes in the image. */
    public static final String IMAGE_CONSTRAINTS = "/opt/cd4ml/constraints.txt";
    /** Where the server package goes in the image. */
    public static final String IMAGE_APP = "/opt/cd4ml/app";
    /** Where the model goes in the image (the SageMaker model directory). */
    public static final String IMAGE_MODEL = "/opt/ml/model";
    /** The unprivileged user the server runs as (numeric, so Kubernetes runAsNonRoot can check it). */
    public static final String USER = "10001:10001";
    /** The port the server listens on unless {@code PORT} says otherwise. */
    public static final int PORT = 8080;
    /** The image's entrypoint. */
    public static final List<String> ENTRYPOINT = List.of("python3", "-m", "cd4ml_serving");
    /** The image's default arguments (SageMaker hosting runs {@code docker run IMAGE serve}). */
    public static final List<String> COMMAND = List.of("serve");

    private ServingImageLayout() {
    }

    /** The environment the image sets. */
    public static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PYTHONPATH", IMAGE_APP);
        env.put("PYTHONUNBUFFERED", "1");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.put("CD4ML_MODEL_DIR", IMAGE_MODEL);
        return env;
    }
}
