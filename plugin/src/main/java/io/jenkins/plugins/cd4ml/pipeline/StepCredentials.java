package io.jenkins.plugins.cd4ml.pipeline;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.model.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * Looks up the step's credentials by ID in the context of the build (folder and job credentials,
 * build parameters naming an ID, the permissions of whoever triggered it), records their use, and
 * turns them into the {@link SecretEnvironment} the engine reads.
 */
final class StepCredentials {

    private StepCredentials() {
    }

    static SecretEnvironment resolve(StepRequest request, Run<?, ?> run) throws IOException {
        SecretEnvironment secrets = new SecretEnvironment();
        if (request.registryCredentialsId != null) {
            StandardUsernamePasswordCredentials c = usernamePassword(request.registryCredentialsId,
                    "registryCredentialsId", run);
            secrets.put("CD4ML_REGISTRY_USERNAME", c.getUsername());
            secrets.put("CD4ML_REGISTRY_PASSWORD", c.getPassword().getPlainText());
        }
        if (request.awsCredentialsId != null) {
            StandardUsernamePasswordCredentials c = usernamePassword(request.awsCredentialsId, "awsCredentialsId", run);
            secrets.put("AWS_ACCESS_KEY_ID", c.getUsername());
            secrets.put("AWS_SECRET_ACCESS_KEY", c.getPassword().getPlainText());
        }
        if (request.kubeconfigCredentialsId != null) {
            IdCredentials c = find(request.kubeconfigCredentialsId, "kubeconfigCredentialsId", run);
            if (c instanceof FileCredentials file) {
                try (InputStream in = file.getContent()) {
                    secrets.kubeconfig(in.readAllBytes());
                }
            } else if (c instanceof StringCredentials text) {
                secrets.kubeconfig(text.getSecret().getPlainText().getBytes(StandardCharsets.UTF_8));
            } else {
                throw new AbortException(Messages.Cd4mlStep_WrongCredentialType(request.kubeconfigCredentialsId,
                        "kubeconfigCredentialsId", Messages.Cd4mlStep_KubeconfigTypes()));
            }
        }
        return secrets;
    }

    private static StandardUsernamePasswordCredentials usernamePassword(String id, String argument, Run<?, ?> run)
            throws AbortException {
        IdCredentials c = find(id, argument, run);
        if (c instanceof StandardUsernamePasswordCredentials up) {
            return up;
        }
        throw new AbortException(Messages.Cd4mlStep_WrongCredentialType(id, argument,
                Messages.Cd4mlStep_UsernamePasswordType()));
    }

    private static IdCredentials find(String id, String argument, Run<?, ?> run) throws AbortException {
        IdCredentials c = CredentialsProvider.findCredentialById(id, IdCredentials.class, run);
        if (c == null) {
            throw new AbortException(Messages.Cd4mlStep_CredentialNotFound(id, argument));
        }
        CredentialsProvider.track(run, c);
        return c;
    }
}
