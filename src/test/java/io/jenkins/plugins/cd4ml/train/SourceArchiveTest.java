package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What of the project travels to the pod. */
class SourceArchiveTest {

    @Test
    void shipsTheProjectWithoutVersionControlRunsEnvironmentsAndCaches(@TempDir Path tmp) throws Exception {
        Path project = tmp.resolve("project");
        for (String file : new String[] {"train.py", "lib/features.py", "config.yaml", ".git/HEAD",
                ".cd4ml/runs/r1/model/m.bin", "lib/__pycache__/features.cpython-311.pyc", "stale.pyc",
                ".venv/bin/python", "sub/.ipynb_checkpoints/x.ipynb"}) {
            TestProjects.write(project.resolve(file), file);
        }
        Files.setPosixFilePermissions(project.resolve("train.py"), PosixFilePermissions.fromString("rwxr-xr-x"));

        SourceArchive.Packed packed = SourceArchive.write(project, tmp.resolve("source.tar.gz"));
        ModelArchive.extract(packed.archive(), tmp.resolve("unpacked"));

        assertThat(packed.files()).hasSize(3);
        assertThat(SourceArchive.files(project)).map(f -> project.relativize(f).toString())
                .containsExactly("config.yaml", "lib/features.py", "train.py");
        assertThat(tmp.resolve("unpacked/lib/features.py")).hasContent("lib/features.py");
        assertThat(Files.isExecutable(tmp.resolve("unpacked/train.py"))).isTrue();
    }
}
