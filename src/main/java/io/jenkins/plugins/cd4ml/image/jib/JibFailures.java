package io.jenkins.plugins.cd4ml.image.jib;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.image.BaseImage;
import io.jenkins.plugins.cd4ml.image.ImageBuildRequest;
import io.jenkins.plugins.cd4ml.image.ImageNames;
import io.jenkins.plugins.cd4ml.image.RegistryCredential;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/** Turns Jib's exceptions into "what failed — why — what to do" (after Jib's HelpfulSuggestions). */
final class JibFailures {

    private JibFailures() {
    }

    static Cd4mlException explain(Throwable error, ImageBuildRequest request) {
        if (error instanceof Cd4mlException known) {
            return known;
        }
        String message = String.valueOf(error.getMessage());
        boolean aboutBase = mentionsBase(message, request) || unknownHostIsNotThePushRegistry(error, request);
        String image = aboutBase ? request.baseImage().reference() : request.reference();
        String registry = aboutBase ? request.baseImage().registry() : request.registry();
        Optional<RegistryCredential> credential = aboutBase ? request.baseCredential() : request.pushCredential();
        String who = credential.map(c -> "the credentials for " + c.username() + " from " + c.source())
                .orElse("anonymous access (no credentials found)");
        String credentialAdvice = "check the username and password or token (--registry-username with "
                + "--registry-password-stdin, CD4ML_REGISTRY_USERNAME/CD4ML_REGISTRY_PASSWORD, or docker login "
                + registry + ")";
        if (error instanceof RegistryUnauthorizedException || error instanceof RegistryAuthenticationFailedException
                || error instanceof RegistryCredentialsNotSentException) {
            return Cd4mlException.workFailed("the registry " + registry + " refused " + who + " for " + image,
                    credentialAdvice + " and that it may " + (aboutBase ? "pull " : "push to ")
                            + ImageNames.repository(image), null);
        }
        if (error instanceof InsecureRegistryException) {
            return Cd4mlException.workFailed("the registry " + registry + " offers no trusted HTTPS for " + image,
                    "cd4ml uses plain HTTP only for registries on this machine; give the registry a trusted "
                            + "certificate", null);
        }
        if (error instanceof CacheDirectoryCreationException) {
            return Cd4mlException.workFailed("jib could not create its cache directory: " + message,
                    "check that the user's cache directory (XDG_CACHE_HOME or ~/.cache) is writable", null);
        }
        if (aboutBase && hasCause(error, UnknownHostException.class)) {
            return Cd4mlException.workFailed("cannot reach the registry " + registry + " of the base image " + image
                    + ": " + message, "jib reads a plain base image name from its registry; to use an image of the "
                    + "local Docker daemon pass --base-image docker://" + image + " (or serve.image.base), or "
                    + "check the registry address and that it is reachable from here", null);
        }
        if (hasCause(error, UnknownHostException.class) || hasCause(error, ConnectException.class)) {
            return Cd4mlException.workFailed("cannot reach the registry " + registry + " for " + image + ": " + message,
                    "check the registry address and that it is running and reachable from here", null);
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (aboutBase && (lower.contains("manifest_unknown") || lower.contains("manifest unknown")
                || lower.contains("not found") || lower.contains("name_unknown"))) {
            return Cd4mlException.workFailed("the base image " + image + " was not found in " + registry,
                    "push it there, or read it from the Docker daemon with --base-image docker://" + image
                            + " (jib cannot install packages, so it must already contain the server's Python "
                            + "dependencies)", null);
        }
        if (lower.contains("docker") && (lower.contains("load") || lower.contains("save") || lower.contains("inspect"))) {
            return Cd4mlException.workFailed("jib could not use the Docker daemon: " + message,
                    "check that the docker command works (docker info), or push with --push or write --tarball", null);
        }
        String what = error instanceof RegistryException ? "the registry " + registry + " failed" : "jib failed";
        return Cd4mlException.workFailed(what + " while building " + request.reference() + ": " + message,
                "see the jib messages above", null);
    }

    private static boolean mentionsBase(String message, ImageBuildRequest request) {
        if (request.baseImage().source() != BaseImage.Source.REGISTRY) {
            return false;
        }
        String base = ImageNames.repository(request.baseImage().reference());
        String target = ImageNames.repository(request.reference());
        return message.contains(base) && !message.contains(target);
    }

    /** An unknown host other than the push registry's is the base image's (Docker Hub's, say). */
    private static boolean unknownHostIsNotThePushRegistry(Throwable error, ImageBuildRequest request) {
        if (request.baseImage().source() != BaseImage.Source.REGISTRY) {
            return false;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException unknown && unknown.getMessage() != null) {
                String host = unknown.getMessage().split(":", 2)[0].strip();
                String pushHost = request.registry().split(":", 2)[0];
                return !host.equalsIgnoreCase(pushHost);
            }
        }
        return false;
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
