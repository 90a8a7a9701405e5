package io.jenkins.plugins.cd4ml.pipeline;

import hudson.model.Run;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import jenkins.model.RunAction2;

/**
 * The build page's cd4ml summary: what every {@code cd4ml} step of the build did, and the latest
 * model version, metrics, quality gate verdict, serving image (with digest) and report.
 *
 * <p>One action per build, holding one {@link Record} per step; saved with the build (XStream),
 * so it holds only this plugin's classes and plain values.
 */
public final class Cd4mlAction implements RunAction2 {

    private static final Object LOCK = new Object();

    private final List<Record> records = new ArrayList<>();
    private transient Run<?, ?> run;

    /** Adds {@code record} to the build's action (creating it) and saves the build. */
    static void record(Run<?, ?> run, Record record) throws IOException {
        synchronized (LOCK) {
            Cd4mlAction action = run.getAction(Cd4mlAction.class);
            if (action == null) {
                action = new Cd4mlAction();
                action.records.add(record);
                run.addAction(action);
            } else {
                action.records.add(record);
            }
            run.save();
        }
    }

    @Override
    public String getIconFileName() {
        return "symbol-analytics";
    }

    @Override
    public String getDisplayName() {
        return Messages.Cd4mlAction_DisplayName();
    }

    @Override
    public String getUrlName() {
        return "cd4ml";
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    /** The build this action belongs to (for the page's side panel). */
    public Run<?, ?> getRun() {
        return run;
    }

    /** Every step's record, in the order the steps ended. */
    public List<Record> getRecords() {
        synchronized (LOCK) {
            return Collections.unmodifiableList(new ArrayList<>(records));
        }
    }

    /** The newest model version any step reported. */
    public String getModelVersion() {
        return latest(r -> r.modelVersion);
    }

    /** The newest metrics any step reported. */
    public Map<String, Double> getMetrics() {
        List<Record> all = getRecords();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (!all.get(i).getMetrics().isEmpty()) {
                return all.get(i).getMetrics();
            }
        }
        return Map.of();
    }

    /** {@code passed} or {@code failed} from the newest gate, or null. */
    public String getGate() {
        return latest(r -> r.gate);
    }

    /** The newest serving image reference. */
    public String getImageReference() {
        return latest(r -> r.imageReference);
    }

    /** The newest pushed image digest. */
    public String getImageDigest() {
        return latest(r -> r.imageDigest);
    }

    /** The newest archived report, relative to the build's artifacts. */
    public String getReportArtifact() {
        return latest(r -> r.reportArtifact);
    }

    private String latest(Function<Record, String> field) {
        List<Record> all = getRecords();
        for (int i = all.size() - 1; i >= 0; i--) {
            String value = field.apply(all.get(i));
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** What one {@code cd4ml} step did. */
    public static final class Record {

        private final String operation;
        private final String status;
        private final String modelVersion;
        private final LinkedHashMap<String, Double> metrics;
        private final String gate;
        private final String imageReference;
        private final String imageDigest;
        private final String reportArtifact;
        private final String message;

        Record(AgentResult result, String reportArtifact) {
            this.operation = result.operation;
            this.status = result.status;
            this.modelVersion = result.modelVersion;
            this.metrics = new LinkedHashMap<>(result.metrics);
            this.gate = result.gate;
            this.imageReference = result.imageReference;
            this.imageDigest = result.imageDigest;
            this.reportArtifact = reportArtifact;
            this.message = result.message;
        }

        public String getOperation() {
            return operation;
        }

        public String getStatus() {
            return status;
        }

        public String getModelVersion() {
            return modelVersion;
        }

        public Map<String, Double> getMetrics() {
            return metrics == null ? Map.of() : Collections.unmodifiableMap(metrics);
        }

        public String getGate() {
            return gate;
        }

        public String getImageReference() {
            return imageReference;
        }

        public String getImageDigest() {
            return imageDigest;
        }

        public String getReportArtifact() {
            return reportArtifact;
        }

        /** What failed and what to do, when the step failed. */
        public String getMessage() {
            return message;
        }
    }
}
