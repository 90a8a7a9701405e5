package io.jenkins.plugins.cd4ml.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.run.MainJob;
import io.jenkins.plugins.cd4ml.run.RunResult;
import io.jenkins.plugins.cd4ml.testing.HeadlessChromium;
import io.jenkins.plugins.cd4ml.testing.TestContexts;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.tune.ObjectiveProjects;
import io.jenkins.plugins.cd4ml.tune.TrialStatus;
import io.jenkins.plugins.cd4ml.tune.TuneResult;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run report of a real {@code cd4ml run} with a tune and a gate, served with the Content Security Policy Jenkins gives archived
 * files and rendered by headless Chromium: the plots have a size, the trial table holds every
 * trial, the stylesheet and the plots' paint apply, and the browser refuses nothing.
 */
class ReportRenderingTest {

    /** Jenkins' default policy for files it serves from a build (DirectoryBrowserSupport). */
    static final String JENKINS_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'self';";

    @TempDir
    static Path tmp;
    private static HttpServer server;
    private static RunResult run;
    private static TuneResult tune;
    private static Path report;

    @BeforeAll
    static void tuneAndServeTheReport() throws Exception {
        TestProjects.requirePythonMl();
        HeadlessChromium.require();
        ProjectConfig config = ObjectiveProjects.loaded(tmp, "steps: 3", """
                objective: {metric: score, goal: maximize}
                strategy: random
                max_trials: 7
                max_failed_trials: 7
                parallel_trials: 2
                parameters:
                  x: {type: float, min: 0.01, max: 1, scale: log}
                  n: {type: int, min: 1, max: 12}
                  kind: {type: categorical, values: [a, b, bad]}
                """);
        TestProjects.write(config.directory().resolve("config.yaml"), Files.readString(config.directory()
                .resolve("config.yaml")) + "quality_gate:\n  metrics: {score: {min: 0.5}}\n");
        config = ObjectiveProjects.load(config.directory());
        Map<String, String> environment = ObjectiveProjects.environment(tmp.resolve("markers"));
        // the report of a real run (what cd4ml run and the Jenkins step write): stages, model, tune, gate
        run = MainJob.forProject(config, TestContexts.context(environment, e -> { })).call();
        tune = run.output("tune", TuneResult.class).orElseThrow();
        report = Path.of(run.report().orElseThrow());
        assertThat(report).isEqualTo(config.directory().resolve(".cd4ml/runs").resolve(tune.tuneId())
                .resolve("report.html"));

        Path root = report.getParent();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            byte[] body = file.startsWith(root) && Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
            exchange.getResponseHeaders().add("Content-Security-Policy", JENKINS_CSP);
            exchange.getResponseHeaders().add("Content-Type", file.toString().endsWith(".css") ? "text/css"
                    : "text/html; charset=utf-8");
            exchange.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void rendersUnderJenkinsContentSecurityPolicy() throws Exception {
        assertThat(tune.trials()).hasSize(7);
        try (HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.open("http://127.0.0.1:" + server.getAddress().getPort() + "/report.html");
            chromium.screenshot(Path.of("target/report-screenshots/report.png"));

            List<Integer> plots = chromium.select("figure.plot svg");
            assertThat(plots).as("objective per trial + one plot per parameter").hasSize(4);
            for (int plot : plots) {
                double[] size = chromium.size(plot);
                assertThat(size[0]).as("plot width").isGreaterThan(100);
                assertThat(size[1]).as("plot height").isGreaterThan(50);
            }
            assertThat(chromium.select("#trials tbody tr")).hasSize(tune.trials().size());
            assertThat(chromium.select("#stages tbody tr")).as("a row per stage of the run")
                    .hasSize(run.stages().size());
            assertThat(chromium.select("#gate tbody tr")).as("the gate's checks").hasSize(1);
            assertThat(chromium.select("#trials tbody tr .status.failed")).hasSize((int) tune.count(TrialStatus.FAILED));

            int header = chromium.select("header").get(0);
            assertThat(chromium.computedStyle(header, "background-color")).as("report.css applied")
                    .isEqualTo("rgb(26, 54, 93)");
            assertThat(chromium.select("figure.plot svg [fill='rgb(43,108,176)']")).as("completed-trial dots")
                    .isNotEmpty().allSatisfy(node -> assertThat(chromium.computedStyle(node, "fill"))
                            .isEqualTo("rgb(43, 108, 176)"));
            assertThat(chromium.log()).as("nothing refused by the policy")
                    .noneMatch(line -> line.contains("Content Security Policy") || line.contains("Refused"));
        }
    }

    @Test
    void holdsNoScriptAndNoInlineStyle() throws Exception {
        String html = Files.readString(report);
        assertThat(html).doesNotContainIgnoringCase("<script").doesNotContain("style=").doesNotContain("<style")
                .contains("<link rel=\"stylesheet\" href=\"report.css\">");
        assertThat(report.resolveSibling("report.css")).isRegularFile();
        assertThat(tmp.resolve("p/.cd4ml/report/report.html")).hasContent(html);
    }
}
