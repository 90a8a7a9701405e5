package io.jenkins.plugins.cd4ml.deploy;

import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The iris example with its deploy section adjusted, and a kubeconfig naming two contexts. */
final class DeployProjects {

    static final String KUBECONFIG = """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
              - name: dev
                cluster: {server: "https://127.0.0.1:1"}
              - name: prod
                cluster: {server: "https://127.0.0.1:2"}
            contexts:
              - name: dev
                context: {cluster: dev, user: me}
              - name: prod
                context: {cluster: prod, user: me}
            users:
              - name: me
                user: {token: s3cr3t-token}
            """;

    private DeployProjects() {
    }

    /** The iris example with {@code deploy:} replaced by {@code deploySection}. */
    static ProjectConfig iris(Path dir, String deploySection) {
        Path project = TestProjects.copyOf("examples/iris", dir);
        try {
            String config = Files.readString(project.resolve("config.yaml"));
            config = config.substring(0, config.indexOf("\ndeploy:")) + "\n" + deploySection;
            Files.writeString(project.resolve("config.yaml"), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ConfigLoader.forProject(project).withEnvironment(Map.of()).load();
    }

    static KubeAccess access(String namespace) {
        return KubeAccess.fromKubeconfig(namespace, KUBECONFIG, Optional.empty(), "test kubeconfig");
    }
}
