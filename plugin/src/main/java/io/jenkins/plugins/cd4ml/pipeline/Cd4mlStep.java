package io.jenkins.plugins.cd4ml.pipeline;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.ListBoxModel;
import io.jenkins.plugins.cd4ml.operation.EngineOperation;
import io.jenkins.plugins.cd4ml.operation.Operation;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * The {@code cd4ml} Pipeline step: runs one cd4ml engine operation on the current agent and
 * returns its result.
 *
 * <pre>
 * def result = cd4ml operation: 'train', config: 'config.yaml', dir: 'model',
 *                    options: [backend: 'docker', hyperparameters: [max_depth: 6]]
 * echo "model ${result.model_version}"
 * </pre>
 *
 * <p>The operation ({@code validate}, {@code train}, {@code tune}, {@code gate}, {@code buildImage},
 * {@code run}, {@code deploy}, …: a {@code cd4ml} command) runs inside the agent JVM in the workspace
 * ({@code dir}), its progress
 * goes to the build log, and the step returns a map with the same fields as the CLI's {@code --json}
 * (or that JSON text with {@code json: true}). Credentials are taken by ID and handed to the engine
 * in its environment, never on a command line or in the log. Aborting the build stops what the
 * operation started (the container, the Kubernetes Job, the SageMaker job).
 */
public final class Cd4mlStep extends Step {

    /** Step arguments that are not {@link #getOptions() operation options}. */
    static final List<String> ARGUMENTS = List.of("operation", "config", "dir", "options",
            "registryCredentialsId", "kubeconfigCredentialsId", "awsCredentialsId", "json", "failOnError",
            "archiveReport");

    private final String operation;
    private String config;
    private String dir;
    private LinkedHashMap<String, Object> options = new LinkedHashMap<>();
    private String registryCredentialsId;
    private String kubeconfigCredentialsId;
    private String awsCredentialsId;
    private boolean json;
    private boolean failOnError = true;
    private boolean archiveReport = true;

    /**
     * @param operation a cd4ml command: {@code validate}, {@code train}, {@code tune}, {@code gate},
     *     {@code buildImage}, {@code run}, {@code deploy}, {@code rollback}, {@code promote}, {@code abortCanary};
     *     checked when the step runs, so the message can list them
     */
    @DataBoundConstructor
    public Cd4mlStep(String operation) {
        this.operation = Util.fixEmptyAndTrim(operation);
    }

    public String getOperation() {
        return operation;
    }

    /** The configuration file, relative to {@link #getDir()}; {@code config.yaml} when empty. */
    public String getConfig() {
        return config;
    }

    @DataBoundSetter
    public void setConfig(String config) {
        this.config = Util.fixEmptyAndTrim(config);
    }

    /** The model repository, relative to the workspace; the workspace itself when empty. */
    public String getDir() {
        return dir;
    }

    @DataBoundSetter
    public void setDir(String dir) {
        this.dir = Util.fixEmptyAndTrim(dir);
    }

    /**
     * The operation's options ({@code backend}, {@code image}, {@code hyperparameters}, {@code push}, …).
     * A map, so it is set from a Jenkinsfile ({@link DescriptorImpl#newInstance(Map)}), not the form.
     */
    public Map<String, Object> getOptions() {
        return Collections.unmodifiableMap(options);
    }

    /** Keeps a plain copy of {@code options} (Groovy strings become text). */
    public void setOptions(Map<String, ?> options) {
        this.options = EngineOperation.plainOptions(options);
    }

    /** A username/password credential for the registry the serving image is pushed to. */
    public String getRegistryCredentialsId() {
        return registryCredentialsId;
    }

    @DataBoundSetter
    public void setRegistryCredentialsId(String registryCredentialsId) {
        this.registryCredentialsId = Util.fixEmptyAndTrim(registryCredentialsId);
    }

    /** A secret file (or secret text) credential holding a kubeconfig. */
    public String getKubeconfigCredentialsId() {
        return kubeconfigCredentialsId;
    }

    @DataBoundSetter
    public void setKubeconfigCredentialsId(String kubeconfigCredentialsId) {
        this.kubeconfigCredentialsId = Util.fixEmptyAndTrim(kubeconfigCredentialsId);
    }

    /** A username/password credential holding an AWS access key ID (username) and secret key (password). */
    public String getAwsCredentialsId() {
        return awsCredentialsId;
    }

    @DataBoundSetter
    public void setAwsCredentialsId(String awsCredentialsId) {
        this.awsCredentialsId = Util.fixEmptyAndTrim(awsCredentialsId);
    }

    /** Return the result as JSON text instead of a map. */
    public boolean isJson() {
        return json;
    }

    @DataBoundSetter
    public void setJson(boolean json) {
        this.json = json;
    }

    /** Fail the step when the operation fails (default); when false, return the error document instead. */
    public boolean isFailOnError() {
        return failOnError;
    }

    @DataBoundSetter
    public void setFailOnError(boolean failOnError) {
        this.failOnError = failOnError;
    }

    /** Archive the operation's HTML report (when it writes one) as {@code cd4ml/<operation>/report.html}. */
    public boolean isArchiveReport() {
        return archiveReport;
    }

    @DataBoundSetter
    public void setArchiveReport(boolean archiveReport) {
        this.archiveReport = archiveReport;
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new Cd4mlStepExecution(this, context);
    }

    /** The step's name, help and required context. */
    @Extension
    @Symbol("cd4ml")
    public static final class DescriptorImpl extends StepDescriptor {

        @Override
        public String getFunctionName() {
            return "cd4ml";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.Cd4mlStep_DisplayName();
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            // A workspace on a node: the engine runs in that node's JVM, beside the checked-out project.
            return Set.of(Run.class, TaskListener.class, FilePath.class, EnvVars.class, Launcher.class);
        }

        /**
         * Takes {@code options} as the map a Jenkinsfile writes, which data binding cannot, and
         * rejects unknown arguments with the list of known ones.
         */
        @Override
        public Step newInstance(Map<String, Object> arguments) throws Exception {
            return StepArguments.instantiate(arguments);
        }

        /** The operations, for the snippet generator's drop-down. */
        public ListBoxModel doFillOperationItems() {
            ListBoxModel items = new ListBoxModel();
            for (String name : Operation.stepNames()) {
                items.add(name);
            }
            return items;
        }
    }
}
