package io.jenkins.plugins.cd4ml.ansible;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.cd4ml.testing.OpenSearchServer;
import io.jenkins.plugins.cd4ml.testing.TestEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roles run by ansible-playbook against a Docker container as inventory host
 * ({@code community.docker.docker} connection, host networking, the local Debian base image):
 * microk8s in check mode (snapd cannot run in a container), the index-template part of
 * kibana_views for real against a real OpenSearch (no Kibana is packaged here, so the saved-object
 * import is not run), and jenkins_agent for real with its default packages from the Debian mirror
 * and the CLI jar this build packaged; every real run is repeated and must then change nothing.
 * Runs after {@code package} (failsafe), because it installs the packaged CLI jar.
 */
class AnsibleContainersIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RECAP = Pattern.compile("ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+"
            + "failed=(\\d+)");
    private static String container;
    private static Path inventory;

    @BeforeAll
    static void startTheInventoryHost(@TempDir Path dir) throws Exception {
        AnsibleCommand.require("ansible-playbook");
        TestEnvironment.requireDockerAndBaseImage();
        container = "cd4ml-ansible-" + UUID.randomUUID().toString().substring(0, 8);
        docker("run", "-d", "--network", "host", "--name", container, "--label", "io.cd4ml.test=ansible",
                TestEnvironment.baseImage(), "sleep", "infinity");
        // What a Debian/Ubuntu host has and the slim base image lacks: package lists, python3-apt
        // (the apt module's check mode needs it) and the man directories Java's postinst links into.
        String prepared = docker("exec", container, "sh", "-c", "mkdir -p /usr/share/man/man1 && apt-get update -q "
                + "&& DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-apt");
        assertThat(prepared).as("the container reaches the Debian mirror").contains("python3-apt");
        inventory = Files.writeString(dir.resolve("inventory.yml"), """
                all:
                  vars:
                    ansible_connection: community.docker.docker
                    ansible_python_interpreter: /usr/bin/python3
                    # root already; the base image has no sudo
                    ansible_become: false
                  children:
                    microk8s:
                      hosts:
                        %1$s: {}
                    jenkins_agents:
                      hosts:
                        %1$s: {}
                """.formatted(container));
    }

    @AfterAll
    static void removeTheHost() throws Exception {
        if (container != null) {
            docker("rm", "-f", container);
        }
    }

    private static String docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            fail(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    private static String playbook(String... args) {
        List<String> command = new ArrayList<>(List.of("ansible-playbook", "-i", inventory.toString(), "site.yml"));
        command.addAll(List.of(args));
        return AnsibleCommand.succeed(Map.of(), 20, command.toArray(String[]::new));
    }

    /** changed= of the play recap. */
    private static int changed(String output) {
        Matcher m = RECAP.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        assertThat(m.group(3) + m.group(4)).as("unreachable and failed").isEqualTo("00");
        return Integer.parseInt(m.group(2));
    }

    @Test
    void microk8sRunsInCheckModeAndChangesNothing() throws Exception {
        String out = playbook("--check", "--tags", "microk8s");
        assertThat(out).containsPattern("TASK \\[microk8s : Install snapd\\][^\\n]*\\nchanged: \\[" + container);
        assertThat(out).contains("snapd is not installed yet, so the MicroK8s steps after it are skipped in check mode");
        assertThat(changed(out)).isEqualTo(1);
        String snapd = docker("exec", container, "sh", "-c", "dpkg-query -W -f='${db:Status-Status}' snapd || true");
        assertThat(snapd.strip()).as("check mode installed nothing").isNotEqualTo("installed");
    }

    @Test
    void kibanaViewsInstallsTheIndexTemplateIntoARealSearchEngineOnceAndAgainOnlyWhenItChanges() throws Exception {
        try (OpenSearchServer search = OpenSearchServer.start()) {
            String[] urls = {"-e", "kibana_views_elasticsearch_url=" + search.uri(),
                    "-e", "kibana_views_kibana_url=http://127.0.0.1:9"};

            String first = playbook(concat(urls, "--tags", "kibana_views_template"));
            assertThat(changed(first)).isEqualTo(1);
            JsonNode installed = search.call("GET", "/_index_template/cd4ml-predictions", null)
                    .get("index_templates").get(0).get("index_template");
            JsonNode file = JSON.readTree(AnsibleCommand.DIR.resolve("../resources/efk/index-template.json").toFile());
            assertThat(installed.get("index_patterns")).isEqualTo(file.get("index_patterns"));
            assertThat(installed.get("template").get("mappings")).isEqualTo(file.get("template").get("mappings"));
            String checksum = installed.get("_meta").get("checksum").asText();
            assertThat(checksum).hasSize(64);

            assertThat(changed(playbook(concat(urls, "--tags", "kibana_views_template")))).as("second run").isZero();

            String moved = playbook(concat(urls, "--tags", "kibana_views_template",
                    "-e", "kibana_views_index_pattern=ml-logs-*"));
            assertThat(changed(moved)).isEqualTo(1);
            JsonNode now = search.call("GET", "/_index_template/cd4ml-predictions", null)
                    .get("index_templates").get(0).get("index_template");
            assertThat(now.get("index_patterns").get(0).asText()).isEqualTo("ml-logs-*");
            assertThat(now.get("_meta").get("checksum").asText()).isNotEqualTo(checksum);
        }
    }

    @Test
    void jenkinsAgentRunsForRealAndASecondRunChangesNothing(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("cd4ml.cliJar", "target/cd4ml-cli.jar"));
        if (!Files.isRegularFile(jar)) {
            fail("no CLI jar at " + jar + "; this test runs after 'mvn package' (mvn verify runs both)");
        }
        String marker = "token-" + UUID.randomUUID();
        Path kubeconfig = Files.writeString(dir.resolve("deploy-kubeconfig"),
                "apiVersion: v1\nkind: Config\nusers:\n- name: jenkins-deployer\n  user: {token: " + marker + "}\n");
        String[] vars = {"--tags", "jenkins_agent", "-e", "jenkins_agent_cd4ml_jar_src=" + jar.toAbsolutePath(),
                "-e", "jenkins_agent_kubeconfig_src=" + kubeconfig};

        String first = playbook(vars);
        assertThat(changed(first)).isGreaterThanOrEqualTo(6);
        assertThat(first).containsPattern("cd4ml on " + container + ": cd4ml \\S+");
        assertThat(first).as("the kubeconfig never reaches the output").doesNotContain(marker);

        assertThat(docker("exec", container, "runuser", "-u", "jenkins", "--", "cd4ml", "--version"))
                .startsWith("cd4ml ");
        assertThat(docker("exec", container, "stat", "-c", "%U %a", "/var/lib/jenkins/.kube/config").strip())
                .isEqualTo("jenkins 600");
        assertThat(docker("exec", container, "cat", "/var/lib/jenkins/.kube/config")).contains(marker);
        assertThat(docker("exec", container, "id", "-nG", "jenkins")).contains("docker");
        assertThat(docker("exec", container, "sh", "-c", "for c in docker git java; do command -v $c; done")).contains("/docker", "/git",
                "/java");
        assertThat(docker("exec", container, "sha256sum", "/opt/cd4ml/lib/cd4ml-cli.jar"))
                .startsWith(sha256(jar));

        String second = playbook(vars);
        assertThat(changed(second)).as("second run:\n" + second).isZero();
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
