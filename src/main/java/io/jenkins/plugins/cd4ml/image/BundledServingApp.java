package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.BundledTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The serving app and its Dockerfile as bundled in the cd4ml jar under
 * {@code cd4ml/dockerfiles/serving/}, copied out to a directory so a build (or {@code cd4ml serve
 * --no-container}) can use them wherever the jar runs.
 */
public final class BundledServingApp {

    static final String RESOURCE_ROOT = "cd4ml/dockerfiles/serving/";
    /** What belongs in a build context; tests, caches and docs of the app do not. */
    private static final List<String> TOP_LEVEL = List.of(ServingImageLayout.CONTEXT_DOCKERFILE, ".dockerignore",
            ServingImageLayout.CONTEXT_REQUIREMENTS, ServingImageLayout.CONTEXT_APP);

    private BundledServingApp() {
    }

    /**
     * Copies the Dockerfile, .dockerignore, requirements.txt and app/ into {@code target}, file by
     * file ({@link BundledTree}), so it works wherever the engine's classes come from (a jar, a
     * directory, a Jenkins agent's Remoting class loader).
     */
    public static void copyTo(Path target) throws IOException {
        Files.createDirectories(target);
        BundledTree.copy(RESOURCE_ROOT, target, relative -> TOP_LEVEL.contains(relative.split("/", 2)[0])
                && !excluded(relative));
    }

    private static boolean excluded(String relative) {
        String path = "/" + relative.replace('\\', '/') + "/";
        return path.contains("/__pycache__/") || path.contains("/.pytest_cache/") || path.contains("/tests/")
                || relative.endsWith(".pyc");
    }
}
