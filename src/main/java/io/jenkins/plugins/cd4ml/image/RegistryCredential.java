package io.jenkins.plugins.cd4ml.image;

/**
 * A username and password (or token) for a container registry, and where they came from.
 *
 * <p>{@link #toString()} never shows the password, so a credential can be logged or put in an
 * exception by mistake without leaking it.
 *
 * @param source where the credential was found, for messages (e.g. {@code CD4ML_REGISTRY_USERNAME})
 */
public record RegistryCredential(String username, String password, String source) {

    @Override
    public String toString() {
        return "RegistryCredential[username=" + username + ", password=****, source=" + source + "]";
    }
}
