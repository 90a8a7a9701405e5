package io.jenkins.plugins.cd4ml.image;

import java.util.Optional;

/**
 * One place registry credentials may come from (after Jib's {@code CredentialRetriever}).
 *
 * <p>Empty means "not here, try the next one"; an exception means the place exists but is broken
 * (say, a credential helper that fails).
 */
@FunctionalInterface
public interface RegistryCredentialRetriever {

    /** The credential for {@code registry} (a host with optional port, e.g. {@code docker.io}). */
    Optional<RegistryCredential> retrieve(String registry);
}
