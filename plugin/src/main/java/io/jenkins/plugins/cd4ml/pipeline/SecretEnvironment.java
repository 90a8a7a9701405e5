package io.jenkins.plugins.cd4ml.pipeline;

import io.jenkins.plugins.cd4ml.operation.KubeconfigFile;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials of one step, as the environment variables the engine reads
 * ({@code CD4ML_REGISTRY_USERNAME}/{@code CD4ML_REGISTRY_PASSWORD}, {@code AWS_ACCESS_KEY_ID}/
 * {@code AWS_SECRET_ACCESS_KEY}) and a kubeconfig's content, which the agent writes to a private
 * file for the duration of the operation ({@code KUBECONFIG}).
 *
 * <p>Sent to the agent over the Remoting channel, as {@code withCredentials} sends its variables;
 * never saved with the Pipeline's state, and {@link #toString()} names the variables only.
 */
final class SecretEnvironment implements Serializable {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, String> variables = new LinkedHashMap<>();
    private byte[] kubeconfig;

    void put(String name, String value) {
        variables.put(name, value);
    }

    void kubeconfig(byte[] content) {
        this.kubeconfig = content.clone();
    }

    /** The variables to add to the engine's environment. */
    Map<String, String> variables() {
        return new LinkedHashMap<>(variables);
    }

    /** The kubeconfig to write, or null. */
    byte[] kubeconfig() {
        return kubeconfig == null ? null : kubeconfig.clone();
    }

    /** Every secret value, for masking in the build log: the variables' and those inside the kubeconfig. */
    List<String> values() {
        List<String> values = new ArrayList<>(variables.values());
        values.addAll(KubeconfigFile.secretsOf(kubeconfig));
        return values;
    }

    @Override
    public String toString() {
        return "credentials " + variables.keySet() + (kubeconfig == null ? "" : " and a kubeconfig");
    }
}
