package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --attach NAME}: usage errors before anything runs (the SageMaker tests attach for real). */
class AttachOptionTest {

    private static int cd4ml(StringWriter err, String... args) {
        return Main.execute(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    @Test
    void aBackendThatCannotAttachSaysSoAndRunsNothing(@TempDir Path tmp) {
        TestProjects.project(tmp, "raise SystemExit('must not run')\n", "");
        StringWriter err = new StringWriter();

        int code = cd4ml(err, "train", tmp.toString(), "--attach", "demo-20250101-120000-abcd");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("the local training backend cannot attach to an existing job",
                "--attach follows jobs of the sagemaker backend");
        // found before the run directory is laid out and the channels are copied into it
        assertThat(tmp.resolve(".cd4ml/runs")).doesNotExist();
    }

    @Test
    void aNameThatCannotBeAJobNameIsAUsageError(@TempDir Path tmp) {
        TestProjects.project(tmp, "print(1)\n", "");
        StringWriter err = new StringWriter();

        int code = cd4ml(err, "train", tmp.toString(), "--attach", "../etc");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("'../etc' is not a training job name");
    }
}
