package io.jenkins.plugins.cd4ml.report;

import io.jenkins.plugins.cd4ml.BundledText;
import io.jenkins.plugins.cd4ml.gate.GateResult;
import io.jenkins.plugins.cd4ml.gate.MetricCheck;
import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.run.MetricFormat;
import io.jenkins.plugins.cd4ml.run.StageResult;
import io.jenkins.plugins.cd4ml.train.TrainingResult;
import io.jenkins.plugins.cd4ml.tune.Trial;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run report: one {@code report.html} (with {@code report.css} beside it) showing the model
 * and its lineage, metrics, the trial table and plots of a tune, the gate's verdict and the stages.
 *
 * <pre>{@code
 * Path html = RunReport.forProject("iris-classifier").withTune(tune).withGate(gate).writeTo(dir);
 * }</pre>
 *
 * <p>It reads well under the Content Security Policy Jenkins serves archived files with
 * ({@code sandbox; default-src 'none'; img-src 'self'; style-src 'self';}): no scripts, no
 * inline styles (the stylesheet is a file next to it), plots as inline SVG whose paint is in
 * presentation attributes.
 */
public final class RunReport {

    /** The name of the stylesheet written next to the report. */
    public static final String STYLESHEET = "report.css";

    /** Where, under the project, the newest report is also written: a fixed path for Jenkins to archive. */
    public static final String LATEST_DIRECTORY = ".cd4ml/report";

    private final String project;
    private TrainingResult training;
    private TuneResult tune;
    private GateResult gate;
    private List<StageResult> stages = List.of();
    private String status;

    private RunReport(String project) {
        this.project = project;
    }

    /** A report on a run of {@code project}. */
    public static RunReport forProject(String project) {
        return new RunReport(project);
    }

    /** The model the run produced (for a tune: its best trial's training). */
    public RunReport withTraining(TrainingResult training) {
        this.training = training;
        return this;
    }

    /** The tune, with every trial. */
    public RunReport withTune(TuneResult tune) {
        this.tune = tune;
        if (training == null && tune != null) {
            training = tune.bestTraining();
        }
        return this;
    }

    /** The quality gate's verdict. */
    public RunReport withGate(GateResult gate) {
        this.gate = gate;
        return this;
    }

    /** The stages of the main job and how the run ended. */
    public RunReport withStages(List<StageResult> stages, String status) {
        this.stages = List.copyOf(stages);
        this.status = status;
        return this;
    }

    /**
     * Writes {@code report.html} and {@code report.css} into {@code directory}.
     *
     * @return the path of {@code report.html}
     */
    public Path writeTo(Path directory) {
        return write(directory, html());
    }

    private static Path write(Path directory, String html) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(STYLESHEET), BundledText.of(RunReport.class, STYLESHEET),
                    StandardCharsets.UTF_8);
            Path file = directory.resolve("report.html");
            Files.writeString(file, html, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run report into " + directory, e);
        }
    }

    /**
     * Writes the report of run {@code runId} into {@code <project>/.cd4ml/runs/<runId>/} and a copy
     * into {@code <project>/.cd4ml/report/} (a fixed path for Jenkins to archive).
     *
     * @return the path of the run's {@code report.html}
     */
    public Path writeForRun(Path projectDirectory, String runId) {
        String html = html();
        Path file = write(projectDirectory.resolve(".cd4ml/runs").resolve(runId), html);
        write(projectDirectory.resolve(LATEST_DIRECTORY), html);
        return file;
    }

    String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(project)).append(" – cd4ml run report</title>\n")
                .append("<link rel=\"stylesheet\" href=\"").append(STYLESHEET).append("\">\n</head>\n<body>\n");
        h.append("<header><h1>").append(esc(project)).append("</h1><p class=\"subtitle\">cd4ml run report, ")
                .append(esc(Instant.now().toString())).append(status == null ? "" : " — run <span class=\"status "
                        + cls(status) + "\">" + esc(status) + "</span>").append("</p></header>\n<main>\n");
        if (!stages.isEmpty()) {
            stages(h);
        }
        if (training != null) {
            model(h, training);
        }
        if (tune != null) {
            tune(h);
        }
        if (gate != null) {
            gate(h);
        }
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private void stages(StringBuilder h) {
        h.append("<section id=\"stages\"><h2>Stages</h2>\n<table><thead><tr><th>stage</th><th>status</th>"
                + "<th>summary</th></tr></thead><tbody>\n");
        for (StageResult s : stages) {
            String st = s.status().jsonName();
            h.append("<tr><td>").append(esc(s.name())).append("</td><td><span class=\"status ").append(cls(st))
                    .append("\">").append(esc(st.replace('_', ' '))).append("</span></td><td>")
                    .append(esc(s.summary())).append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private void model(StringBuilder h, TrainingResult t) {
        ModelManifest m = t.manifest();
        h.append("<section id=\"model\"><h2>Model ").append(esc(t.modelVersion())).append("</h2>\n<dl>\n");
        item(h, "stored at", t.modelUri());
        item(h, "digest", m.digest());
        item(h, "trained", m.created() + " on " + t.backend() + " (job " + t.jobId() + ", run " + t.runId() + ")");
        m.git().ifPresent(g -> item(h, "commit", g.commit() + (g.dirty() ? " (with uncommitted changes)" : "")));
        if (m.git().isEmpty()) {
            item(h, "commit", "not in a Git repository");
        }
        h.append("</dl>\n<h3>Data</h3>\n<table><thead><tr><th>channel</th><th>source</th><th>sha256</th></tr></thead>"
                + "<tbody>\n");
        for (ModelManifest.DataInput d : m.data()) {
            h.append("<tr><td>").append(esc(d.channel())).append("</td><td>").append(esc(d.uri()))
                    .append("</td><td class=\"hash\">").append(esc(String.valueOf(d.sha256()))).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n<h3>Metrics</h3>\n");
        keyValues(h, "metrics", toText(t.metrics()));
        h.append("<h3>Hyperparameters</h3>\n");
        keyValues(h, "hyperparameters", m.hyperparameters());
        h.append("</section>\n");
    }

    private void tune(StringBuilder h) {
        h.append("<section id=\"tune\"><h2>Tune ").append(esc(tune.tuneId())).append("</h2>\n<p>")
                .append(esc(tune.strategy() + " search by " + tune.search() + ": " + tune.goal() + " "
                        + tune.objective() + ", " + tune.trials().size() + " trials in "
                        + String.format("%.1f s", tune.durationSeconds())))
                .append(" — <span class=\"status ").append(cls(tune.status())).append("\">").append(esc(tune.status()))
                .append("</span>").append(tune.error() == null ? "" : ": " + esc(tune.error())).append("</p>\n");
        List<String> parameters = new ArrayList<>();
        tune.trials().forEach(t -> t.parameters().keySet().forEach(p -> {
            if (!parameters.contains(p)) {
                parameters.add(p);
            }
        }));
        if (tune.trials().stream().anyMatch(t -> t.value() != null)) {
            h.append("<figure class=\"plot\" id=\"plot-objective\">").append(Charts.objectivePerTrial(tune,
                    "svg-objective")).append("<figcaption>").append(esc(tune.objective()))
                    .append(" per trial, with the best value so far</figcaption></figure>\n");
            for (int i = 0; i < parameters.size(); i++) {
                h.append("<figure class=\"plot\" id=\"plot-param-").append(i).append("\">")
                        .append(Charts.parameterAgainstObjective(tune, parameters.get(i), "svg-param-" + i))
                        .append("<figcaption>").append(esc(tune.objective())).append(" against ")
                        .append(esc(parameters.get(i))).append("</figcaption></figure>\n");
            }
        }
        h.append("<table id=\"trials\"><thead><tr><th>#</th><th>status</th><th>").append(esc(tune.objective()))
                .append("</th>");
        for (String p : parameters) {
            h.append("<th>").append(esc(p)).append("</th>");
        }
        h.append("<th>steps</th><th>time</th><th>model</th><th>run</th></tr></thead><tbody>\n");
        for (Trial t : tune.trials()) {
            boolean best = tune.best() != null && tune.best().number() == t.number();
            h.append("<tr class=\"trial").append(best ? " best" : "").append("\"><td>").append(t.number())
                    .append(best ? " ★" : "").append("</td><td><span class=\"status ").append(cls(t.status().jsonName()))
                    .append("\">").append(t.status().jsonName()).append("</span></td><td class=\"num\">")
                    .append(t.value() == null ? "–" : esc(MetricFormat.format(t.value()))).append("</td>");
            for (String p : parameters) {
                h.append("<td>").append(esc(t.parameters().getOrDefault(p, "–"))).append("</td>");
            }
            h.append("<td class=\"num\">").append(t.series().size()).append("</td><td class=\"num\">")
                    .append(String.format("%.1f s", t.durationSeconds())).append("</td><td class=\"hash\">")
                    .append(t.modelVersion() == null ? esc(t.error() == null ? "" : t.error()) : esc(t.modelVersion()))
                    .append("</td><td class=\"hash\">").append(esc(t.runId())).append("</td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private void gate(StringBuilder h) {
        h.append("<section id=\"gate\"><h2>Quality gate: <span class=\"status ").append(gate.passed() ? "passed"
                : "failed").append("\">").append(gate.passed() ? "passed" : "failed").append("</span></h2>\n<p>")
                .append(esc("model " + gate.modelVersion() + ", " + gate.comparison())).append("</p>\n")
                .append("<table><thead><tr><th>metric</th><th>value</th><th>rule</th><th>verdict</th></tr></thead>"
                        + "<tbody>\n");
        for (MetricCheck c : gate.checks()) {
            h.append("<tr><td>").append(esc(c.metric())).append("</td><td class=\"num\">")
                    .append(c.value() == null ? "–" : esc(MetricFormat.format(c.value()))).append("</td><td>")
                    .append(esc(c.rule())).append("</td><td><span class=\"status ").append(c.passed() ? "passed"
                            : "failed").append("\">").append(esc(c.verdict())).append("</span></td></tr>\n");
        }
        h.append("</tbody></table></section>\n");
    }

    private static void item(StringBuilder h, String name, String value) {
        h.append("<dt>").append(esc(name)).append("</dt><dd>").append(esc(value)).append("</dd>\n");
    }

    private static void keyValues(StringBuilder h, String id, Map<String, String> values) {
        h.append("<table class=\"kv ").append(id).append("\"><tbody>\n");
        values.forEach((k, v) -> h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v))
                .append("</td></tr>\n"));
        h.append("</tbody></table>\n");
    }

    private static Map<String, String> toText(Map<String, Double> metrics) {
        Map<String, String> text = new java.util.LinkedHashMap<>();
        metrics.forEach((k, v) -> text.put(k, MetricFormat.format(v)));
        return text;
    }

    private static String cls(String status) {
        return status.replaceAll("[^a-z_]", "");
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                case '&' -> s.append("&amp;");
                case '"' -> s.append("&quot;");
                case '\'' -> s.append("&#39;");
                default -> s.append(c);
            }
        }
        return s.toString();
    }
}
