package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Lays out a serving image's build context: the bundled Dockerfile, {@code requirements.txt}
 * (the server's plus the project's), {@code constraints.txt} (the versions the model was trained
 * with, from its {@code model.json}) and {@code app/}, and {@code model/} with the extracted
 * model artifact, its {@code model.json}, the project's {@code features.yaml} and
 * {@code predict.py} if it has one.
 *
 * <p>Every file gets a fixed time and world-readable mode, so the same content always gives the
 * same layers (a new model changes only the model layer) and the non-root server can read it.
 */
final class BuildContext {

    /** Jib's choice too: a fixed time just after the epoch, which some tools treat as "unset". */
    static final FileTime FIXED_TIME = FileTime.fromMillis(1000);
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-r--r--");

    /** What went into the context. */
    record Contents(ModelManifest manifest, List<String> projectRequirements) {
    }

    private BuildContext() {
    }

    /** Writes the context into the empty directory {@code context}. */
    static Contents assemble(Path context, Path modelArchive, ProjectConfig config, EventSink events)
            throws IOException {
        BundledServingApp.copyTo(context);
        ModelManifest manifest = ModelArchive.readManifest(modelArchive);
        Path model = context.resolve(ServingImageLayout.CONTEXT_MODEL);
        ModelDirectory.write(model, modelArchive, config, events);
        List<String> projectRequirements = appendProjectRequirements(context, config);
        writeConstraints(context, manifest);
        normalize(context);
        return new Contents(manifest, projectRequirements);
    }

    private static List<String> appendProjectRequirements(Path context, ProjectConfig config) throws IOException {
        Path own = config.directory().resolve("requirements.txt");
        if (!Files.isRegularFile(own)) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(own, StandardCharsets.UTF_8)) {
            String requirement = line.replaceFirst("#.*", "").strip();
            if (!requirement.isEmpty()) {
                lines.add(requirement);
            }
        }
        Path requirements = context.resolve(ServingImageLayout.CONTEXT_REQUIREMENTS);
        String text = Files.readString(requirements, StandardCharsets.UTF_8);
        text = (text.endsWith("\n") ? text : text + "\n") + "# from " + config.name() + "'s requirements.txt\n"
                + String.join("\n", lines) + "\n";
        Files.writeString(requirements, text, StandardCharsets.UTF_8);
        return List.copyOf(lines);
    }

    /**
     * The training versions as pip constraints: the image's pip installs exactly these where they
     * are among the requirements (scikit-learn always is), or says it could not (the Dockerfile).
     * Python itself is the base image's; the server reports a different one.
     */
    static void writeConstraints(Path context, ModelManifest manifest) throws IOException {
        // nothing model-specific: models trained in one environment share this layer
        StringBuilder text = new StringBuilder("# the library versions the model was trained with (model.json "
                + "environment)\n");
        manifest.environment().ifPresent(environment -> {
            text.append("# trained with Python ").append(environment.python()).append('\n');
            environment.packages().forEach((name, version) -> text.append(name).append("==").append(version)
                    .append('\n'));
        });
        Files.writeString(context.resolve(ServingImageLayout.CONTEXT_CONSTRAINTS), text, StandardCharsets.UTF_8);
    }

    /** Fixed times and world-readable modes everywhere (executables stay executable). */
    static void normalize(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            if (Files.isSymbolicLink(p)) {
                continue;
            }
            if (Files.isDirectory(p)) {
                Files.setPosixFilePermissions(p, DIRECTORY);
            } else {
                Files.setPosixFilePermissions(p, Files.isExecutable(p) ? EXECUTABLE : REGULAR);
            }
            Files.setLastModifiedTime(p, FIXED_TIME);
        }
    }
}
