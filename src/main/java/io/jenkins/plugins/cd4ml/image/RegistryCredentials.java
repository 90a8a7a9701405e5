package io.jenkins.plugins.cd4ml.image;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where registry credentials come from, tried in order: the first retriever that has a credential
 * for the registry wins.
 *
 * <pre>{@code
 * RegistryCredentials credentials = RegistryCredentials.explicit("ci", password, "--registry-username")
 *         .orElse(RegistryCredentials.defaults(registry, context.environment()));
 * }</pre>
 *
 * <p>{@link #defaults} is {@code CD4ML_REGISTRY_USERNAME}/{@code CD4ML_REGISTRY_PASSWORD}, then the
 * Docker configuration ({@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}: {@code auths}
 * with base64 {@code auth}, {@code credHelpers} and {@code credsStore}, read through Jib).
 * Explicit and environment credentials apply to the registry images are pushed to (and to a base
 * image on that same registry), never to other registries.
 */
public final class RegistryCredentials {

    /** No credentials anywhere: anonymous access. */
    public static final RegistryCredentials NONE = new RegistryCredentials(List.of(), Set.of());

    private final List<RegistryCredentialRetriever> retrievers;
    private final Set<String> secrets;

    private RegistryCredentials(List<RegistryCredentialRetriever> retrievers, Set<String> secrets) {
        this.retrievers = List.copyOf(retrievers);
        this.secrets = Set.copyOf(secrets);
    }

    /**
     * A username and password given by the user for the registry images are pushed to.
     *
     * @param forRegistry the registry they are for
     * @param source where they were given, for messages
     */
    public static RegistryCredentials explicit(String forRegistry, String username, String password, String source) {
        RegistryCredential credential = new RegistryCredential(username, password, source);
        return new RegistryCredentials(List.of(registry -> registry.equals(forRegistry)
                ? Optional.of(credential) : Optional.empty()), Set.of(password));
    }

    /**
     * The usual chain: {@code CD4ML_REGISTRY_USERNAME}/{@code CD4ML_REGISTRY_PASSWORD} for
     * {@code pushRegistry}, then the Docker configuration.
     */
    public static RegistryCredentials defaults(String pushRegistry, Map<String, String> environment) {
        RegistryCredentials chain = dockerConfig(environment);
        String user = environment.get("CD4ML_REGISTRY_USERNAME");
        String password = environment.get("CD4ML_REGISTRY_PASSWORD");
        if (user != null && !user.isBlank() && password != null && !password.isEmpty()) {
            chain = explicit(pushRegistry, user, password, "CD4ML_REGISTRY_USERNAME/CD4ML_REGISTRY_PASSWORD")
                    .orElse(chain);
        }
        return chain;
    }

    /** Credentials from the Docker configuration file, if it exists. */
    public static RegistryCredentials dockerConfig(Map<String, String> environment) {
        Path file = dockerConfigFile(environment);
        return new RegistryCredentials(List.of(registry -> fromDockerConfig(file, registry, environment)), Set.of());
    }

    /** This chain, then {@code next}. */
    public RegistryCredentials orElse(RegistryCredentials next) {
        List<RegistryCredentialRetriever> all = new ArrayList<>(retrievers);
        all.addAll(next.retrievers);
        Set<String> allSecrets = new HashSet<>(secrets);
        allSecrets.addAll(next.secrets);
        return new RegistryCredentials(all, allSecrets);
    }

    /** This chain with one more retriever at the end. */
    public RegistryCredentials orElse(RegistryCredentialRetriever next) {
        List<RegistryCredentialRetriever> all = new ArrayList<>(retrievers);
        all.add(next);
        return new RegistryCredentials(all, secrets);
    }

    /** The first credential any retriever has for {@code registry}; empty for anonymous access. */
    public Optional<RegistryCredential> find(String registry) {
        for (RegistryCredentialRetriever retriever : retrievers) {
            Optional<RegistryCredential> found = retriever.retrieve(registry);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The secrets given explicitly, so they can be kept out of logs and messages. */
    Set<String> secrets() {
        return secrets;
    }

    static Path dockerConfigFile(Map<String, String> environment) {
        String dir = environment.get("DOCKER_CONFIG");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir, "config.json");
        }
        String home = environment.get("HOME");
        if (home == null || home.isBlank()) {
            return Path.of(".docker", "config.json"); // no home in this operation's environment: no Docker config
        }
        return Path.of(home.strip(), ".docker", "config.json");
    }

    private static Optional<RegistryCredential> fromDockerConfig(Path file, String registry,
            Map<String, String> environment) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            ImageReference image = ImageReference.of(registry, "cd4ml/credentials-probe", null);
            Optional<Credential> credential = CredentialRetrieverFactory.forImage(image, log -> { }, environment)
                    .dockerConfig(file).retrieve();
            return credential.map(c -> new RegistryCredential(c.getUsername(), c.getPassword(),
                    "Docker config " + file));
        } catch (CredentialRetrievalException e) {
            throw Cd4mlException.workFailed("could not read the credentials for " + registry + " from " + file + ": "
                    + e.getMessage(), "check the auths and credHelpers entries of " + file
                    + " (docker login " + registry + " rewrites them)", null);
        }
    }
}
