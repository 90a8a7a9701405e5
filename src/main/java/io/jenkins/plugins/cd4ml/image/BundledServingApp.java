package io.jenkins.plugins.cd4ml.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

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

    /** Copies the Dockerfile, .dockerignore, requirements.txt and app/ into {@code target}. */
    public static void copyTo(Path target) throws IOException {
        URL dockerfile = BundledServingApp.class.getClassLoader()
                .getResource(RESOURCE_ROOT + ServingImageLayout.CONTEXT_DOCKERFILE);
        if (dockerfile == null) {
            throw new IllegalStateException(RESOURCE_ROOT + "Dockerfile is not on the classpath; this cd4ml build "
                    + "lacks the serving app (the jar must be built with mvn package)");
        }
        URI uri;
        try {
            uri = dockerfile.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("unusable resource URL " + dockerfile, e);
        }
        if (uri.getScheme().equals("jar")) {
            FileSystem jar;
            boolean opened = false;
            try {
                jar = FileSystems.newFileSystem(uri, Map.of());
                opened = true;
            } catch (FileSystemAlreadyExistsException e) {
                jar = FileSystems.getFileSystem(uri);
            }
            try {
                copyTree(jar.getPath("/" + RESOURCE_ROOT), target);
            } finally {
                if (opened) {
                    jar.close();
                }
            }
        } else {
            copyTree(Path.of(uri).getParent(), target);
        }
    }

    private static void copyTree(Path root, Path target) throws IOException {
        Files.createDirectories(target);
        for (String name : TOP_LEVEL) {
            Path top = root.resolve(name);
            if (!Files.exists(top)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(top)) {
                for (Path source : walk.toList()) {
                    String relative = root.relativize(source).toString();
                    if (excluded(relative)) {
                        continue;
                    }
                    Path destination = target.resolve(relative);
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(destination);
                    } else {
                        Files.createDirectories(destination.getParent());
                        try {
                            Files.copy(source, destination);
                        } catch (IOException e) {
                            throw new UncheckedIOException("could not copy " + source + " to " + destination, e);
                        }
                    }
                }
            }
        }
    }

    private static boolean excluded(String relative) {
        String path = "/" + relative.replace('\\', '/') + "/";
        return path.contains("/__pycache__/") || path.contains("/.pytest_cache/") || path.contains("/tests/")
                || relative.endsWith(".pyc");
    }
}
