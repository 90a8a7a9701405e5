package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRequirementsTest {

    @Test
    void recognisesPythonInterpretersOnly() {
        for (String python : List.of("python", "python3", "python3.11", "/usr/bin/python3", "/opt/conda/bin/python")) {
            assertThat(TrainingRequirements.runsPython(List.of(python, "train.py"))).as(python).isTrue();
        }
        for (String other : List.of("sh", "Rscript", "pythonic", "ipython", "python3-config", "/usr/bin/env")) {
            assertThat(TrainingRequirements.runsPython(List.of(other, "train.py"))).as(other).isFalse();
        }
        assertThat(TrainingRequirements.runsPython(List.of())).isFalse();
    }

    @Test
    void putsTheInstallerInFrontOfAPythonCommandOnlyWhenTheProjectHasRequirements(@TempDir Path tmp) {
        List<String> command = List.of("python3", "train.py", "--fast");
        assertThat(TrainingRequirements.entrypoint(command, tmp)).isEqualTo(command);

        TestProjects.write(tmp.resolve("requirements.txt"), "scikit-learn\n");
        List<String> entrypoint = TrainingRequirements.entrypoint(command, tmp);

        assertThat(entrypoint.subList(0, 2)).containsExactly("python3", "-c");
        assertThat(entrypoint.get(2)).isEqualTo(TrainingRequirements.script()).contains("def install(python, code_dir)");
        assertThat(entrypoint.subList(3, entrypoint.size())).isEqualTo(command);
        assertThat(TrainingRequirements.entrypoint(List.of("sh", "-c", "make train"), tmp))
                .containsExactly("sh", "-c", "make train");
    }

    @Test
    void passesOnlyPipsIndexSettings() {
        Map<String, String> environment = Map.of("PIP_INDEX_URL", "https://pypi.example.com/simple",
                "PIP_TRUSTED_HOST", "pypi.example.com", "PIP_EXTRA_INDEX_URL", " ", "AWS_SECRET_ACCESS_KEY", "x",
                "PIP_CERT", "/etc/ssl/pip.pem");

        assertThat(TrainingRequirements.pipSettings(environment)).isEqualTo(Map.of(
                "PIP_INDEX_URL", "https://pypi.example.com/simple", "PIP_TRUSTED_HOST", "pypi.example.com"));
    }
}
