package io.jenkins.plugins.cd4ml.operation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class KubeconfigFileTest {

    static final String KUBECONFIG = """
            apiVersion: v1
            clusters:
              - cluster:
                  certificate-authority-data: Q0EtREFUQQ==
                  server: https://10.0.0.1:6443
                name: ml
            users:
              - name: ci
                user:
                  token: "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0"
                  client-key-data: S0VZLURBVEE=
              - name: basic
                user:
                  password: 's3cr3t-pw'
            """;

    @Nested
    class Writing {

        @Test
        void writesTheContentToAPrivateFileNamedByKubeconfigAndDeletesItOnClose() throws Exception {
            Path file;
            Path directory;
            try (KubeconfigFile kube = KubeconfigFile.write(KUBECONFIG.getBytes(StandardCharsets.UTF_8))) {
                file = kube.path();
                directory = file.getParent();
                assertThat(kube.environment()).containsExactly(java.util.Map.entry("KUBECONFIG", file.toString()));
                assertThat(Files.readString(file)).isEqualTo(KUBECONFIG);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)))
                        .as("only this user can enter the directory").isEqualTo("rwx------");
            }
            assertThat(file).doesNotExist();
            assertThat(directory).doesNotExist();
        }

        @Test
        void withoutContentThereIsNoFileAndNoVariable() throws Exception {
            try (KubeconfigFile kube = KubeconfigFile.write(null)) {
                assertThat(kube.path()).isNull();
                assertThat(kube.environment()).isEmpty();
            }
        }
    }

    @Nested
    class Secrets {

        @Test
        void findsTokensKeysAndPasswordsWithoutTheirQuotes() {
            assertThat(KubeconfigFile.secretsOf(KUBECONFIG.getBytes(StandardCharsets.UTF_8)))
                    .containsExactly("eyJhbGciOiJSUzI1NiJ9.c2VjcmV0", "S0VZLURBVEE=", "s3cr3t-pw");
        }

        @Test
        void theServerAndTheCertificateAuthorityAreNotSecrets() {
            assertThat(KubeconfigFile.secretsOf(KUBECONFIG.getBytes(StandardCharsets.UTF_8)))
                    .doesNotContain("https://10.0.0.1:6443", "Q0EtREFUQQ==");
        }

        @Test
        void noKubeconfigHasNoSecrets() {
            assertThat(KubeconfigFile.secretsOf(null)).isEmpty();
        }
    }
}
