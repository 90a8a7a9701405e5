package io.jenkins.plugins.cd4ml.config;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code deploy} section: where the serving image runs.
 *
 * <p>Each environment overrides the top-level settings it names; {@code values} are raw Helm
 * values merged last. {@code kubeContext} and {@code kubeconfig} choose the cluster (default: the
 * {@code KUBECONFIG} environment variable's or {@code ~/.kube/config}'s current context, or the
 * pod's service account in a cluster).
 */
public record DeployConfig(
        String target,
        Optional<String> namespace,
        String release,
        int replicas,
        Optional<Resources> resources,
        Optional<Ingress> ingress,
        Optional<Autoscaling> autoscaling,
        String strategy,
        Map<String, Environment> environments,
        Map<String, Object> values,
        Optional<String> kubeContext,
        Optional<String> kubeconfig) {

    /** Requests for each serving pod. */
    public record Resources(Optional<String> cpu, Optional<String> memory) {
    }

    /** The optional Ingress. */
    public record Ingress(boolean enabled, Optional<String> host) {
    }

    /** The optional HorizontalPodAutoscaler. */
    public record Autoscaling(boolean enabled, int min, int max, int cpuPercent) {
    }

    /** An environment such as staging or production; empty fields inherit the top level. */
    public record Environment(
            Optional<String> namespace,
            Optional<String> release,
            Optional<Integer> replicas,
            Optional<Resources> resources,
            Optional<Ingress> ingress,
            Optional<Autoscaling> autoscaling,
            Map<String, Object> values,
            Optional<String> target,
            Optional<String> kubeContext,
            Optional<String> kubeconfig) {
    }
}
