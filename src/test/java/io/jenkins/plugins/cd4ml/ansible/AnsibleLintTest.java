package io.jenkins.plugins.cd4ml.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The playbook parses, ansible-lint finds nothing, and ansible/README.md documents every role variable. */
class AnsibleLintTest {

    @Test
    void playbookPassesTheSyntaxCheck() {
        String out = AnsibleCommand.succeed(Map.of(), 5, "ansible-playbook", "--syntax-check",
                "-i", "inventory.example.yml", "site.yml");
        assertThat(out).contains("playbook: site.yml");
    }

    @Test
    void ansibleLintIsClean() {
        String out = AnsibleCommand.succeed(Map.of(), 10, "ansible-lint", "--nocolor");
        assertThat(out).contains("Passed", "0 failure(s), 0 warning(s)");
    }

    @Test
    void everyRoleIsTaggedInSiteYml() throws IOException {
        List<String> roles;
        try (Stream<Path> dirs = Files.list(AnsibleCommand.DIR.resolve("roles"))) {
            roles = dirs.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(roles).containsExactly("jenkins_agent", "kibana_views", "microk8s");
        List<?> plays = new Yaml().load(Files.readString(AnsibleCommand.DIR.resolve("site.yml")));
        List<String> tagged = new ArrayList<>();
        for (Object play : plays) {
            for (Object role : (List<?>) ((Map<?, ?>) play).get("roles")) {
                Map<?, ?> r = (Map<?, ?>) role;
                assertThat(String.valueOf(r.get("tags"))).as("tags of " + r.get("role")).isEqualTo("[" + r.get("role") + "]");
                tagged.add((String) r.get("role"));
            }
        }
        assertThat(tagged).containsExactlyInAnyOrderElementsOf(roles);
    }

    @Test
    void readmeDocumentsEveryDefaultVariable() throws IOException {
        String readme = Files.readString(AnsibleCommand.DIR.resolve("README.md"));
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(AnsibleCommand.DIR.resolve("roles"))) {
            for (Path role : dirs.toList()) {
                Map<?, ?> defaults = new Yaml().load(Files.readString(role.resolve("defaults/main.yml")));
                for (Object name : defaults.keySet()) {
                    if (!readme.contains("`" + name + "`")) {
                        missing.add(role.getFileName() + ": " + name);
                    }
                }
            }
        }
        assertThat(missing).as("role variables missing from ansible/README.md").isEmpty();
    }
}
