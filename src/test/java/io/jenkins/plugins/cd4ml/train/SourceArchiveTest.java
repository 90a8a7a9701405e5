package io.jenkins.plugins.cd4ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.model.ModelArchive;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What of the project travels to the pod. */
class SourceArchiveTest {

    @Test
    void shipsTheProjectWithoutVersionControlRunsEnvironmentsAndCaches(@TempDir Path tmp) throws Exception {
        Path project = tmp.resolve("project");
        for (String file : new String[] {"train.py", "lib/features.py", "config.yaml", ".git/HEAD",
                ".cd4ml/runs/r1/model/m.bin", "lib/__pycache__/features.cpython-311.pyc", "stale.pyc",
                ".venv/bin/python", "sub/.ipynb_checkpoints/x.ipynb", ".env", ".env.production"}) {
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

    @Test
    void leavesBehindWhatGitIgnoresInAWorkTree(@TempDir Path tmp) throws Exception {
        Path repository = tmp.resolve("repository");
        Path project = repository.resolve("models/iris");
        for (String file : new String[] {"train.py", "lib/features.py", "data/raw/huge.csv", "checkpoints/e1.ckpt",
                "new_module.py", "mlruns/0/meta.yaml", "credentials.json"}) {
            TestProjects.write(project.resolve(file), file);
        }
        TestProjects.write(repository.resolve(".gitignore"), "mlruns/\n*.ckpt\n");
        TestProjects.write(project.resolve(".gitignore"), "data/raw/\n");
        git(repository, "init", "-q");
        Files.writeString(repository.resolve(".git/info/exclude"), "credentials.json\n");
        git(repository, "add", "models/iris/train.py", "models/iris/lib/features.py", ".gitignore",
                "models/iris/.gitignore");

        assertThat(SourceArchive.files(project)).map(f -> project.relativize(f).toString())
                .as("tracked, and untracked but not ignored")
                .containsExactly(".gitignore", "lib/features.py", "new_module.py", "train.py");
    }

    @Test
    void packsEverythingWhereGitCannotTell(@TempDir Path tmp) throws Exception {
        Path project = tmp.resolve("project");
        TestProjects.write(project.resolve(".gitignore"), "*.ckpt\n"); // not a work tree: nothing reads it
        TestProjects.write(project.resolve("e1.ckpt"), "weights");

        assertThat(SourceArchive.files(project)).map(f -> project.relativize(f).toString())
                .containsExactly(".gitignore", "e1.ckpt");
    }

    @Test
    void packsEverythingWhenGitIgnoresTheWholeProject(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("home"); // dotfiles kept in Git, everything else ignored
        Path project = home.resolve("projects/iris");
        TestProjects.write(home.resolve(".gitignore"), "*\n!.gitignore\n");
        TestProjects.write(project.resolve("train.py"), "print('accuracy=1')");
        git(home, "init", "-q");

        assertThat(SourceArchive.files(project)).map(f -> project.relativize(f).toString())
                .containsExactly("train.py");
    }

    private static void git(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", directory.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("git %s: %s (git comes with scripts/setup-env)", args[0], output).isZero();
    }
}
