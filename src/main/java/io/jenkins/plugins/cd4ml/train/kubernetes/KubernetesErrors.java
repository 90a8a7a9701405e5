package io.jenkins.plugins.cd4ml.train.kubernetes;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import java.net.HttpURLConnection;

/**
 * Turns Kubernetes API errors into messages that say what cd4ml tried, where, and what to grant
 * or fix, instead of a bare HTTP status.
 */
final class KubernetesErrors {

    /** Everything the kubernetes backend does in a namespace, as one kubectl command. */
    static final String ROLE_COMMAND = "kubectl create role cd4ml-training -n %1$s "
            + "--verb=get,list,watch,create,patch,delete --resource=jobs.batch,pods,pods/log,secrets,configmaps "
            + "&& kubectl create rolebinding cd4ml-training -n %1$s --role=cd4ml-training "
            + "--serviceaccount=<namespace>:<account> (or --user=<name>)";

    private KubernetesErrors() {
    }

    /**
     * The error for a failed API call.
     *
     * @param action what cd4ml tried, such as {@code create jobs.batch}
     */
    static Cd4mlException translate(KubernetesClientException e, String action, String namespace, String server) {
        String detail = detail(e);
        if (e.getCode() <= 0) { // no HTTP answer at all
            return Cd4mlException.workFailed("cannot reach the Kubernetes API at " + server + " to " + action + ": "
                    + detail, "check the kubeconfig context (kubectl config current-context, kubectl cluster-info) "
                            + "or KUBECONFIG; inside a cluster, the pod's service account is used", e);
        }
        return switch (e.getCode()) {
            case HttpURLConnection.HTTP_FORBIDDEN -> Cd4mlException.workFailed("the Kubernetes API refused to "
                    + action + " in namespace '" + namespace + "' (403 Forbidden: " + detail + ")",
                    "grant the identity of your kubeconfig (or the Jenkins agent's service account) a Role in "
                            + "namespace " + namespace + " for the kubernetes training backend: "
                            + String.format(ROLE_COMMAND, namespace), e);
            case HttpURLConnection.HTTP_NOT_FOUND -> Cd4mlException.badInput("could not " + action
                    + ": namespace '" + namespace + "' does not exist on " + server + " (" + detail + ")",
                    "create it (kubectl create namespace " + namespace + ") or set train.kubernetes.namespace to "
                            + "an existing one");
            case HttpURLConnection.HTTP_UNAUTHORIZED -> Cd4mlException.workFailed("the Kubernetes API at " + server
                    + " did not accept the credentials from your kubeconfig (401 Unauthorized) when cd4ml tried to "
                    + action, "log in again or refresh the token in your kubeconfig (kubectl auth whoami shows "
                            + "who you are)", e);
            default -> Cd4mlException.workFailed("could not " + action + " in namespace '" + namespace + "': "
                    + detail, e.getCode() == 422 ? "check the values in train.kubernetes and train.resources; the "
                            + "message names the field Kubernetes rejected" : null, e);
        };
    }

    /** True if the call failed because the calling thread was interrupted. */
    static boolean isInterruption(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    private static String detail(KubernetesClientException e) {
        Status status = e.getStatus();
        if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) {
            return status.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() != null ? ": " + root.getMessage() : "");
    }
}
