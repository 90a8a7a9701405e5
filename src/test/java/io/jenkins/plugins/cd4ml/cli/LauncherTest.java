package io.jenkins.plugins.cd4ml.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cd4ml} in a copy of the checkout's layout, with {@code mvn} and {@code java} standing
 * in as scripts that record their calls: when it builds the jar, and which jar it runs.
 */
class LauncherTest {

    @TempDir
    Path tmp;
    private Path root;
    private Path calls;

    @BeforeEach
    void checkout() throws IOException {
        root = tmp.resolve("checkout");
        calls = tmp.resolve("calls.log");
        Path launcher = root.resolve("bin/cd4ml");
        Files.createDirectories(launcher.getParent());
        Files.copy(TestProjects.repository().resolve("bin/cd4ml"), launcher);
        TestProjects.write(root.resolve("pom.xml"), "<project/>");
        TestProjects.write(root.resolve("src/main/java/A.java"), "class A {}");
        TestProjects.write(root.resolve("resources/dockerfiles/serving/Dockerfile"), "FROM scratch");
        script(tmp.resolve("tools/mvn"), "echo \"mvn $*\" >> " + calls + "\nmkdir -p target\n"
                + "touch target/cd4ml-9.9-cli.jar\n");
        script(tmp.resolve("jdk/bin/java"), "echo \"java $*\" >> " + calls + "\n");
        age(root, Instant.now().minusSeconds(3600));
    }

    @Test
    void buildsTheJarOnFirstUseAndRunsIt() throws Exception {
        String output = launch("--version");

        assertThat(output).contains("cd4ml: building the CLI on first use");
        assertThat(Files.readAllLines(calls)).containsExactly("mvn -B -q -ntp -DskipTests package",
                "java -jar " + root.resolve("target/cd4ml-9.9-cli.jar") + " --version");
    }

    @Test
    void runsAnUpToDateJarWithoutBuilding() throws Exception {
        TestProjects.write(root.resolve("target/cd4ml-9.9-cli.jar"), "jar");

        String output = launch("validate", "x");

        assertThat(output).doesNotContain("building");
        assertThat(Files.readAllLines(calls)).containsExactly(
                "java -jar " + root.resolve("target/cd4ml-9.9-cli.jar") + " validate x");
    }

    @Test
    void rebuildsWhenASourceChangedAfterTheJar() throws Exception {
        TestProjects.write(root.resolve("target/cd4ml-9.9-cli.jar"), "jar");
        Files.setLastModifiedTime(root.resolve("target/cd4ml-9.9-cli.jar"),
                FileTime.from(Instant.now().minusSeconds(60)));
        TestProjects.write(root.resolve("src/main/java/A.java"), "class A { int changed; }");

        String output = launch("--version");

        assertThat(output).contains("cd4ml: rebuilding the CLI: its sources changed since the jar was built");
        assertThat(Files.readAllLines(calls)).first().isEqualTo("mvn -B -q -ntp -DskipTests package");
    }

    /**
     * The launcher with the real CLI behind its {@code java}: the stand-in records each call and runs
     * the CLI's {@code Main} from the test classpath for {@code launcher-args}; a stand-in
     * {@code scripts/ensure-python} records the project and options it is given.
     */
    @Nested
    class FindingTheProject {

        private Path work;
        private Path setups;

        @BeforeEach
        void realCliAndRecordingSetup() throws IOException {
            TestProjects.write(root.resolve("target/cd4ml-9.9-cli.jar"), "jar");
            String realJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            script(tmp.resolve("jdk/bin/java"), "echo \"java $*\" >> " + calls + "\n"
                    + "if [ \"$3\" = launcher-args ]; then shift 2; exec '" + realJava + "' -cp '"
                    + System.getProperty("java.class.path") + "' io.jenkins.plugins.cd4ml.cli.Main \"$@\"; fi\n");
            setups = tmp.resolve("setups.log");
            script(root.resolve("scripts/ensure-python"), "echo \"$*\" >> " + setups + "\n");
            work = Files.createDirectories(tmp.resolve("work"));
            Files.createDirectories(work.resolve("proj"));
        }

        private List<String> setupCalls() throws IOException {
            return Files.exists(setups) ? Files.readAllLines(setups) : List.of();
        }

        @Test
        void anOptionValueIsNotTakenForTheProject() throws Exception {
            launchIn(work, "run", "--tag", "v1", "proj");

            assertThat(setupCalls()).containsExactly("--print-python proj");
            assertThat(Files.readAllLines(calls)).last().isEqualTo("java -jar " + root.resolve(
                    "target/cd4ml-9.9-cli.jar") + " run --tag v1 proj");
        }

        @Test
        void configAndBackendReachTheSetupInEveryForm() throws Exception {
            launchIn(work, "train", "-cother.yaml", "--backend=docker", "-p", "depth=3", "proj");
            launchIn(work, "tune", "proj", "--config", "tune.yaml", "-b", "local");

            assertThat(setupCalls()).containsExactly("--print-python --config other.yaml --backend docker proj",
                    "--print-python --config tune.yaml --backend local proj");
        }

        @Test
        void helpAndCommandLinesThatDoNotParseSkipTheSetup() throws Exception {
            launchIn(work, "run", "--help");
            launchIn(work, "train", "--no-such-option", "proj");

            assertThat(setupCalls()).isEmpty();
        }
    }

    private String launch(String... args) throws Exception {
        return launchIn(null, args);
    }

    private String launchIn(Path directory, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = root.resolve("bin/cd4ml").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().put("PATH", tmp.resolve("tools") + ":/usr/bin:/bin");
        builder.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static void script(Path file, String body) throws IOException {
        TestProjects.write(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Sets every file's time below {@code dir}, as a checkout made an hour ago. */
    private static void age(Path dir, Instant when) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path file : files.toList()) {
                Files.setLastModifiedTime(file, FileTime.from(when));
            }
        }
    }
}
