package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.model.ModelManifest;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.charset.StandardCharsets;
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
    void putsTheScriptInFrontOfPythonCommandsOnly() {
        List<String> command = List.of("python3", "train.py", "--fast");

        List<String> entrypoint = TrainingRequirements.entrypoint(command);

        assertThat(entrypoint.subList(0, 2)).containsExactly("python3", "-c");
        assertThat(entrypoint.get(2)).isEqualTo(TrainingRequirements.script()).contains("def install(python, code_dir)",
                "def record(code_dir, output_data_dir)");
        assertThat(entrypoint.subList(3, entrypoint.size())).isEqualTo(command);
        assertThat(TrainingRequirements.entrypoint(List.of("sh", "-c", "make train")))
                .containsExactly("sh", "-c", "make train");
    }

    @Test
    void recordsPythonScikitLearnAndTheInstalledPackagesRequirementsNames(@TempDir Path tmp) throws Exception {
        TestProjects.write(tmp.resolve("requirements.txt"), """
                # comments, options, paths and URLs name no package
                -r other.txt
                --index-url http://127.0.0.1:9/simple
                Pandas[performance] >= 1.0 ; python_version > "3"  # extras, markers and a comment
                joblib
                ./local-package
                https://example.com/some.whl
                no-such-package-of-cd4ml==1.0
                PyYAML
                """);
        Path output = tmp.resolve("output/data");
        Process process = new ProcessBuilder(TrainingRequirements.recordingCommand(TestProjects.PYTHON, output))
                .directory(tmp.toFile()).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(log).isZero();
        String[] expected = TrainingVersions.ask(TestProjects.PYTHON, "import platform, sklearn, pandas, joblib, yaml; "
                + "print(platform.python_version(), sklearn.__version__, pandas.__version__, joblib.__version__, "
                + "yaml.__version__)");

        ModelManifest.TrainingEnvironment recorded = TrainingRequirements.recordedEnvironment(output).orElseThrow();

        assertThat(recorded.python()).isEqualTo(expected[0]);
        assertThat(recorded.packages()).isEqualTo(Map.of("scikit-learn", expected[1], "pandas", expected[2],
                "joblib", expected[3], "pyyaml", expected[4]));
        assertThat(log).contains("[cd4ml] training with Python " + expected[0] + ", joblib " + expected[3]);
    }

    @Test
    void asTheSageMakerProgramItRecordsThenRunsTheUsersScriptWithTheToolkitsArguments(@TempDir Path tmp)
            throws Exception {
        Path code = tmp.resolve("code");
        TestProjects.write(code.resolve(TrainingRequirements.SCRIPT), TrainingRequirements.script());
        TestProjects.write(code.resolve("requirements.txt"), "joblib\n");
        TestProjects.write(code.resolve("train.py"), """
                import argparse, os, sys
                parser = argparse.ArgumentParser()
                parser.add_argument("--max_leaf_nodes", type=int)
                args = parser.parse_args()
                print("max_leaf_nodes=%d script=%s" % (args.max_leaf_nodes, os.path.basename(sys.argv[0])))
                """);
        Path output = tmp.resolve("output/data");
        // as the SageMaker training toolkit runs sagemaker_program in /opt/ml/code
        ProcessBuilder toolkit = new ProcessBuilder(TestProjects.PYTHON, TrainingRequirements.SCRIPT,
                "--max_leaf_nodes", "4").directory(code.toFile()).redirectErrorStream(true);
        toolkit.environment().put("CD4ML_PROGRAM", "train.py");
        toolkit.environment().put("SM_OUTPUT_DATA_DIR", output.toString());
        Process process = toolkit.start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor()).as(log).isZero();
        assertThat(log).contains("max_leaf_nodes=4 script=train.py");
        String[] expected = TrainingVersions.ask(TestProjects.PYTHON,
                "import platform, sklearn, joblib; print(platform.python_version(), sklearn.__version__, "
                        + "joblib.__version__)");
        assertThat(TrainingRequirements.recordedEnvironment(output)).contains(new ModelManifest.TrainingEnvironment(
                expected[0], Map.of("scikit-learn", expected[1], "joblib", expected[2])));
    }

    @Test
    void anUnreadableVersionsFileIsNoVersions(@TempDir Path tmp) {
        assertThat(TrainingRequirements.recordedEnvironment(tmp)).isEmpty();
        TestProjects.write(tmp.resolve(TrainingRequirements.VERSIONS_FILE), "{not json");
        assertThat(TrainingRequirements.recordedEnvironment(tmp)).isEmpty();
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
