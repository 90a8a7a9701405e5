package io.jenkins.plugins.cd4ml.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML features users reach for in real configs: anchors with merge keys, empty environments. */
class YamlConveniencesTest {

    private static ProjectConfig load(Path dir, String deploy) throws Exception {
        ConfigCorpus.copyBase(dir);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, Files.readString(config) + deploy);
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    @Test
    void mergeKeysShareSettingsBetweenEnvironmentsAndExplicitKeysWin(@TempDir Path dir) throws Exception {
        ProjectConfig config = load(dir, """
                deploy:
                  environments:
                    staging: &defaults {namespace: ml-staging, replicas: 2}
                    production:
                      <<: *defaults
                      namespace: ml-prod
                """);

        DeployConfig.Environment production = config.deploy().orElseThrow().environments().get("production");
        assertThat(production.namespace()).contains("ml-prod");
        assertThat(production.replicas()).contains(2);
    }

    @Test
    void anEnvironmentWithoutSettingsInheritsEverything(@TempDir Path dir) throws Exception {
        ProjectConfig config = load(dir, """
                deploy:
                  namespace: ml
                  environments:
                    staging:
                """);

        DeployConfig.Environment staging = config.deploy().orElseThrow().environments().get("staging");
        assertThat(staging.namespace()).isEmpty();
        assertThat(staging.replicas()).isEmpty();
    }
}
