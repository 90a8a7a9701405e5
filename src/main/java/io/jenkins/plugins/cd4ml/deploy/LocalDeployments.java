package io.jenkins.plugins.cd4ml.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jenkins.plugins.cd4ml.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The revisions of a local deployment, one JSON line per deploy in
 * {@code .cd4ml/deployments/RELEASE-ENV.jsonl} of the project: what {@code cd4ml history} reads
 * for {@code deploy.target: local} (Helm keeps its own history in the cluster).
 */
final class LocalDeployments {

    private final Path file;

    LocalDeployments(Path projectDirectory, DeployTarget target) {
        this.file = projectDirectory.resolve(".cd4ml").resolve("deployments").resolve(target.release() + "-"
                + (target.environment().isEmpty() ? "default" : target.environment()) + ".jsonl");
    }

    /** One recorded deploy. */
    record Line(int revision, Instant updated, String status, String description, String image, String modelVersion,
            String container) {
    }

    synchronized List<Line> read() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<Line> lines = new ArrayList<>();
            for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!text.isBlank()) {
                    lines.add(Json.mapper().readValue(text, Line.class));
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local deployment history " + file, e);
        }
    }

    /** Appends a deploy; a successful one supersedes the one serving before. */
    synchronized void record(Instant when, String status, String description, String image, String modelVersion,
            String container) {
        int revision = read().size() + 1;
        try {
            Files.createDirectories(file.getParent());
            String line = Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                    new Line(revision, when, status, description, image, modelVersion, container));
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the local deployment in " + file, e);
        }
    }

    /** The lines with Helm-like statuses: the last successful one {@code deployed}, earlier ones {@code superseded}. */
    List<Line> withStatuses() {
        List<Line> lines = read();
        int serving = -1;
        for (Line l : lines) {
            if (l.status().equals("deployed")) {
                serving = l.revision();
            }
        }
        List<Line> out = new ArrayList<>();
        for (Line l : lines) {
            String status = l.status().equals("deployed") && l.revision() != serving ? "superseded" : l.status();
            out.add(new Line(l.revision(), l.updated(), status, l.description(), l.image(), l.modelVersion(),
                    l.container()));
        }
        return out;
    }
}
