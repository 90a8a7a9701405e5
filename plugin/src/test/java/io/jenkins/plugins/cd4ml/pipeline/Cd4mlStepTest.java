package io.jenkins.plugins.cd4ml.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.Label;
import hudson.model.Result;
import hudson.util.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jenkins.util.VirtualFile;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The {@code cd4ml} step in real Pipelines on a real agent (a separate JVM connected by Remoting),
 * running the real engine: the local backend trains with {@code /usr/bin/python3}.
 *
 * <p>Runs where the Jenkins Maven repository is reachable: {@code mvn -f plugin/pom.xml verify}.
 */
@WithJenkins
class Cd4mlStepTest {

    /** A minimal project: one feature, one CSV channel, an accuracy metric read from the log. */
    private static final String PROJECT = """
            writeFile file: 'config.yaml', text: '''version: 1
            project:
              name: demo
            model:
              target: y
            train:
              channels: {train: data/d.csv}
              hyperparameters: {depth: 3}
              metrics:
                - {name: accuracy, regex: 'accuracy=([0-9.]+)'}
            '''
            writeFile file: 'features.yaml', text: 'features:\\n  - {name: x, type: float}\\n'
            writeFile file: 'data/d.csv', text: 'x,y\\n1,0\\n2,1\\n'
            """;

    private static final String TRAIN_PY = """
            writeFile file: 'train.py', text: '''import json, os
            hps = json.loads(os.environ["SM_HPS"])
            with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
                f.write(json.dumps(hps))
            print("depth is " + str(hps["depth"]))
            print("registry user " + os.environ.get("CD4ML_REGISTRY_USERNAME", "none"))
            print("registry password " + os.environ.get("CD4ML_REGISTRY_PASSWORD", "none"))
            print("accuracy=0.75")
            '''
            """;

    private JenkinsRule j;

    @BeforeEach
    void agent(JenkinsRule rule) throws Exception {
        j = rule;
        j.createOnlineSlave(Label.get("ml"));
    }

    private WorkflowJob pipeline(String body) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class);
        p.setDefinition(new CpsFlowDefinition("node('ml') {\n" + body + "\n}", true));
        return p;
    }

    /** Runs {@code p} and asserts it failed (JenkinsRule#assertBuildStatus, in every test-harness version). */
    private WorkflowRun failing(WorkflowJob p) throws Exception {
        return j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));
    }

    @Test
    void validateReturnsTheCliDocumentAsAMap() throws Exception {
        WorkflowRun b = j.buildAndAssertSuccess(pipeline(PROJECT + """
                def r = cd4ml 'validate'
                echo "project=${r.project} status=${r.status} sections=${r.sections}"
                """));
        j.assertLogContains("project=demo status=valid sections=[project, model, train]", b);
    }

    @Test
    void trainRunsOnTheAgentStreamsTheScriptAndRecordsTheModel() throws Exception {
        WorkflowRun b = j.buildAndAssertSuccess(pipeline(PROJECT + TRAIN_PY + """
                def r = cd4ml operation: 'train', options: [backend: 'local', hyperparameters: [depth: 7]]
                echo "version=${r.model_version} accuracy=${r.metrics.accuracy}"
                def text = cd4ml operation: 'train', json: true
                echo "json starts ${text.substring(0, 1)}"
                """));
        j.assertLogContains("  | depth is 7", b);
        j.assertLogContains("accuracy=0.75", b);
        j.assertLogContains("json starts {", b);
        Cd4mlAction action = b.getAction(Cd4mlAction.class);
        assertNotNull(action);
        assertEquals(2, action.getRecords().size());
        assertNotNull(action.getModelVersion());
        j.assertLogContains("version=" + action.getRecords().get(0).getModelVersion(), b);
        assertEquals(Map.of("accuracy", 0.75), action.getMetrics());
        assertNull(action.getGate());

        String page = j.createWebClient().getPage(b, "cd4ml").asNormalizedText();
        assertTrue(page.contains(action.getModelVersion()), page);
        assertTrue(j.createWebClient().getPage(b).asNormalizedText().contains("model " + action.getModelVersion()));
    }

    @Test
    void aRunArchivesItsReportWithTheStylesheetBesideIt() throws Exception {
        WorkflowRun b = j.buildAndAssertSuccess(pipeline(PROJECT + TRAIN_PY + """
                def r = cd4ml operation: 'run'
                echo "status=${r.status}"
                """));
        j.assertLogContains("status=succeeded", b);
        VirtualFile archived = b.getArtifactManager().root().child("cd4ml/run");
        assertTrue(archived.child("report.html").isFile());
        // Jenkins serves artifacts without inline styles (CSP style-src 'self'): the report links report.css
        assertTrue(archived.child("report.css").isFile());
        assertEquals("cd4ml/run/report.html", b.getAction(Cd4mlAction.class).getReportArtifact());
    }

    @Test
    void registryCredentialsReachTheEngineAndAreMaskedInTheLog() throws Exception {
        SystemCredentialsProvider.getInstance().getCredentials().add(new UsernamePasswordCredentialsImpl(
                CredentialsScope.GLOBAL, "registry", "test registry", "robot", "s3cr3t-passw0rd"));
        SystemCredentialsProvider.getInstance().save();
        WorkflowRun b = j.buildAndAssertSuccess(pipeline(PROJECT + TRAIN_PY + """
                cd4ml operation: 'train', registryCredentialsId: 'registry'
                """));
        j.assertLogContains("registry user robot", b);
        j.assertLogContains("registry password ****", b);
        j.assertLogNotContains("s3cr3t-passw0rd", b);
    }

    @Test
    void aMissingOrWrongCredentialFailsWithItsIdAndTheKindExpected() throws Exception {
        SystemCredentialsProvider.getInstance().getCredentials().add(new StringCredentialsImpl(
                CredentialsScope.GLOBAL, "token", "a token", Secret.fromString("t0ken-value")));
        WorkflowRun missing = failing(pipeline(PROJECT
                + "cd4ml operation: 'validate', registryCredentialsId: 'nope'"));
        j.assertLogContains("no credentials with ID 'nope' (registryCredentialsId)", missing);
        WorkflowRun wrong = failing(pipeline(PROJECT
                + "cd4ml operation: 'validate', awsCredentialsId: 'token'"));
        j.assertLogContains("expected Username with password", wrong);
        j.assertLogNotContains("t0ken-value", wrong);
    }

    @Test
    void aConfigurationErrorFailsTheStepWithPositionsAndNoStackTrace() throws Exception {
        WorkflowRun b = failing(pipeline(PROJECT + """
                writeFile file: 'config.yaml', text: readFile('config.yaml').replace('target: y', 'target: y\\n  colour: blue')
                cd4ml 'validate'
                """));
        j.assertLogContains("cd4ml validate failed: 1 problem in the configuration", b);
        j.assertLogContains("config.yaml:6:3: model.colour: unknown setting 'colour'", b);
        j.assertLogNotContains("\tat io.jenkins", b);
    }

    @Test
    void failOnErrorFalseReturnsTheErrorDocument() throws Exception {
        WorkflowRun b = j.buildAndAssertSuccess(pipeline("""
                def r = cd4ml operation: 'validate', failOnError: false
                echo "status=${r.status} exit=${r.exit_code}"
                """));
        j.assertLogContains("status=error exit=2", b);
    }

    @Test
    void unknownArgumentsAndOptionsAreRejectedWithTheKnownOnes() throws Exception {
        WorkflowRun argument = failing(pipeline("cd4ml operation: 'train', backend: 'docker'"));
        j.assertLogContains("unknown argument(s) 'backend'", argument);
        j.assertLogContains("options: [name: value]", argument);
        WorkflowRun option = failing(pipeline(PROJECT
                + "cd4ml operation: 'train', options: [backnd: 'docker']"));
        j.assertLogContains("unknown option 'backnd' for the train operation; its options are ", option);
        j.assertLogContains("hyperparameters", option);
    }

    @Test
    void anAbortStopsTheTrainingScriptBeforeTheStepEnds() throws Exception {
        Path pidFile = Files.createTempFile("cd4ml-train", ".pid");
        WorkflowJob p = pipeline(PROJECT + """
                writeFile file: 'train.py', text: '''import os, time
                with open("%s", "w") as f:
                    f.write(str(os.getpid()))
                print("training started", flush=True)
                time.sleep(600)
                '''
                cd4ml 'train'
                """.formatted(pidFile));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        j.waitForMessage("training started", b);
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(ProcessHandle.of(pid).isPresent());

        b.doStop();
        j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(b));
        j.assertLogContains("cd4ml: stopping train", b);
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "the training process was stopped before the step ended");
    }

    @Test
    void theFormRoundTripsEveryField() throws Exception {
        Cd4mlStep step = new Cd4mlStep("buildImage");
        step.setDir("model");
        step.setConfig("ci/config.yaml");
        step.setRegistryCredentialsId("registry");
        step.setKubeconfigCredentialsId("kube");
        step.setAwsCredentialsId("aws");
        step.setJson(true);
        step.setFailOnError(false);
        step.setArchiveReport(false);
        Cd4mlStep after = new StepConfigTester(j).configRoundTrip(step);
        assertEquals("buildImage", after.getOperation());
        assertEquals("model", after.getDir());
        assertEquals("ci/config.yaml", after.getConfig());
        assertEquals("registry", after.getRegistryCredentialsId());
        assertEquals("kube", after.getKubeconfigCredentialsId());
        assertEquals("aws", after.getAwsCredentialsId());
        assertTrue(after.isJson());
        assertFalse(after.isFailOnError());
        assertFalse(after.isArchiveReport());
    }
}
