package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** What a Python interpreter prints for a one-line program, split at spaces: the versions tests expect. */
final class TrainingVersions {

    private TrainingVersions() {
    }

    static String[] ask(String python, String program) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(python, "-c", program).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor()).as(output).isZero();
        return output.split(" ");
    }
}
