package io.jenkins.plugins.cd4ml.pipeline;

import io.jenkins.plugins.cd4ml.image.SecretRedactor;
import io.jenkins.plugins.cd4ml.operation.OperationOutcome;
import io.jenkins.plugins.cd4ml.operation.OutcomeSummary;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An operation's outcome as it travels from the agent back to the controller.
 *
 * <p>Only this plugin's class and JDK types in Jenkins' class filter whitelist cross the channel
 * ({@code LinkedHashMap}, {@code ArrayList}, {@code String}, boxed numbers): the engine's own
 * records live in a library jar, whose classes Jenkins refuses to deserialize (JEP-200).
 */
final class AgentResult implements Serializable {

    private static final long serialVersionUID = 1L;

    final String operation;
    final String status;
    /** The CLI's {@code --json} document, as plain maps, lists and values. */
    final LinkedHashMap<String, Object> document;
    final String json;
    /** What failed and what to do; null when it succeeded. */
    final String message;
    final String modelVersion;
    final LinkedHashMap<String, Double> metrics;
    final String gate;
    final String imageReference;
    final String imageDigest;
    /** The report's path as the engine wrote it (relative to the project, or absolute). */
    final String report;

    private AgentResult(OperationOutcome outcome, SecretRedactor redactor) {
        OutcomeSummary summary = outcome.summary();
        this.operation = outcome.operation();
        this.status = outcome.status();
        this.document = new LinkedHashMap<>(outcome.document());
        this.json = outcome.json();
        this.message = outcome.message() == null ? null : redactor.redact(outcome.message());
        this.modelVersion = summary.modelVersion();
        this.metrics = new LinkedHashMap<>(summary.metrics());
        this.gate = summary.gate();
        this.imageReference = summary.imageReference();
        this.imageDigest = summary.imageDigest();
        this.report = summary.report();
    }

    static AgentResult of(OperationOutcome outcome, SecretRedactor redactor) {
        return new AgentResult(outcome, redactor);
    }

    boolean succeeded() {
        return OperationOutcome.SUCCEEDED.equals(status);
    }

    boolean stopped() {
        return OperationOutcome.STOPPED.equals(status);
    }

    /** A fresh copy of the document, for the Pipeline to keep. */
    Map<String, Object> documentCopy() {
        return new LinkedHashMap<>(document);
    }
}
