package io.jenkins.plugins.cd4ml.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the serving app's pytest suite ({@code resources/dockerfiles/serving/tests}) with the
 * Debian Python, so {@code mvn verify} covers the Python model server too.
 */
class ServingAppPythonTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String TESTS = "resources/dockerfiles/serving/tests";
    private static final String MODULES =
            "import fastapi, uvicorn, httpx, pytest, sklearn, pandas, prometheus_client, yaml, msgpack";
    private static final String INSTALL_HINT = "apt-get install python3-fastapi python3-uvicorn python3-httpx"
            + " python3-pytest python3-sklearn python3-pandas python3-prometheus-client python3-msgpack"
            + " python3-yaml (or run scripts/setup-env)";

    @Test
    void servingAppTestsPass() throws Exception {
        Path repo = Path.of(System.getProperty("cd4ml.repo", System.getProperty("user.dir")));
        assertThat(repo.resolve(TESTS)).isDirectory();
        assertThat(Files.isExecutable(Path.of(PYTHON)))
                .withFailMessage("%s not found; the serving app tests need Debian's Python: %s", PYTHON, INSTALL_HINT)
                .isTrue();

        StringBuilder importOutput = new StringBuilder();
        int imports = run(repo, List.of(PYTHON, "-c", MODULES), importOutput);
        assertThat(imports)
                .withFailMessage("%s cannot import the serving app's packages:%n%s%nInstall them with: %s",
                        PYTHON, importOutput, INSTALL_HINT)
                .isZero();

        StringBuilder output = new StringBuilder();
        int exitCode = run(repo, List.of(PYTHON, "-m", "pytest", "-q", TESTS), output);
        assertThat(exitCode).withFailMessage("pytest %s failed (exit %d):%n%s", TESTS, exitCode, output).isZero();
    }

    /** Runs a command in the repository, echoing its output as it comes (pytest can take a while). */
    private static int run(Path directory, List<String> command, StringBuilder output)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        // Keep the working tree clean: no __pycache__ next to the sources.
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                System.out.println(line);
                output.append(line).append(System.lineSeparator());
            }
        }
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return process.exitValue();
    }
}
