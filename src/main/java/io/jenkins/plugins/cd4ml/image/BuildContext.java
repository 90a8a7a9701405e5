package io.jenkins.plugins.cd4ml.image;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.event.EventSink;
import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lays out a serving image's build context: the bundled Dockerfile, {@code requirements.txt}
 * (the server's plus the project's) and {@code app/}, and {@code model/} with the extracted
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
        writeModelDirectory(model, modelArchive, config, events);
        List<String> projectRequirements = appendProjectRequirements(context, config);
        normalize(context);
        return new Contents(manifest, projectRequirements);
    }

    /** A script that defines SageMaker's {@code model_fn} serves through the SageMaker handlers. */
    private static final Pattern MODEL_FN = Pattern.compile("(?m)^def model_fn\\s*\\(");

    /**
     * Writes the model directory the server reads: the artifact's files and {@code model.json}, the
     * project's {@code features.yaml}, and its {@code predict.py} if any; without one, a training
     * entry point that defines SageMaker's {@code model_fn} goes in as {@code inference.py}, so a
     * script written for SageMaker script mode also serves unchanged.
     */
    static void writeModelDirectory(Path model, Path modelArchive, ProjectConfig config, EventSink events)
            throws IOException {
        ModelArchive.readManifest(modelArchive); // says so if the file is not a cd4ml model at all
        ModelArchive.extract(modelArchive, model);
        Files.copy(config.features().file(), model.resolve("features.yaml"), StandardCopyOption.REPLACE_EXISTING);
        Path predict = config.directory().resolve("predict.py");
        if (Files.isRegularFile(predict)) {
            if (Files.exists(model.resolve("predict.py"))) {
                events.info("using the project's predict.py instead of the one in the model artifact");
            }
            Files.copy(predict, model.resolve("predict.py"), StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Optional<Path> entrypoint = config.train().entrypoint().map(config::resolve);
        if (entrypoint.isPresent() && Files.isRegularFile(entrypoint.get())
                && MODEL_FN.matcher(Files.readString(entrypoint.get(), StandardCharsets.UTF_8)).find()) {
            events.info("serving with the SageMaker handlers (model_fn) of " + config.train().entrypoint().get());
            Files.copy(entrypoint.get(), model.resolve("inference.py"), StandardCopyOption.REPLACE_EXISTING);
        }
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
