package io.jenkins.plugins.cd4ml.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What scripts/setup-env prepared for the tests: the local registry (htpasswd auth), its user and
 * password file, and the Python base image in the Docker daemon. Read from the environment, else
 * from {@code /var/lib/cd4ml-test/env}; a missing piece fails the test with "run scripts/setup-env".
 */
public final class TestEnvironment {

    static final Path ENV_FILE = Path.of("/var/lib/cd4ml-test/env");
    private static Map<String, String> file;

    private TestEnvironment() {
    }

    public static String registry() {
        return value("CD4ML_TEST_REGISTRY");
    }

    public static String registryUser() {
        return value("CD4ML_TEST_REGISTRY_USER");
    }

    /** The registry password (never print it). */
    public static String registryPassword() {
        Path path = Path.of(value("CD4ML_TEST_REGISTRY_PASSWORD_FILE"));
        try {
            return Files.readString(path, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return fail("cannot read the test registry password file " + path + "; run scripts/setup-env");
        }
    }

    /** The local base image with the serving app's Python packages. */
    public static String baseImage() {
        return value("CD4ML_TEST_BASE_IMAGE");
    }

    /** Fails unless a Docker daemon answers and has the base image. */
    public static void requireDockerAndBaseImage() {
        String image = baseImage();
        int status = run("docker", "image", "inspect", "--format", "{{.Id}}", image);
        if (status != 0) {
            fail("the Docker daemon does not answer or lacks the base image " + image + "; run scripts/setup-env");
        }
    }

    /** A free TCP port on this machine. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            return fail("no free port: " + e);
        }
    }

    private static String value(String name) {
        String fromEnv = System.getenv(name);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        String fromFile = file().get(name);
        if (fromFile == null || fromFile.isBlank()) {
            fail(name + " is not set and " + ENV_FILE + " does not define it; run scripts/setup-env");
        }
        return fromFile;
    }

    private static synchronized Map<String, String> file() {
        if (file == null) {
            file = new LinkedHashMap<>();
            if (Files.isRegularFile(ENV_FILE)) {
                try {
                    for (String line : Files.readAllLines(ENV_FILE, StandardCharsets.UTF_8)) {
                        int eq = line.indexOf('=');
                        if (eq > 0 && !line.startsWith("#")) {
                            file.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                        }
                    }
                } catch (IOException e) {
                    fail("cannot read " + ENV_FILE + ": " + e + "; run scripts/setup-env");
                }
            }
        }
        return file;
    }

    private static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(
                    ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
