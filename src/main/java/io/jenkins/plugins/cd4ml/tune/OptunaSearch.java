package io.jenkins.plugins.cd4ml.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jenkins.plugins.cd4ml.BundledText;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.config.TuneConfig;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A search run by Optuna in a child Python process ({@code optuna_search.py}, bundled), spoken to
 * through Optuna's ask-and-tell interface over JSON lines: TPE for {@code bayesian} and
 * {@code hyperband}, with the Hyperband pruner for {@code hyperband} and the median pruner for
 * {@code early_stopping: auto}.
 */
final class OptunaSearch implements Search {

    static final String INSTALL = "install Optuna for the Python cd4ml uses (" + "apt-get install python3-optuna on "
            + "Debian/Ubuntu, or pip install 'optuna>=3.1'), or point CD4ML_OPTUNA_PYTHON at a Python that has it";

    private final Process process;
    private final BufferedWriter requests;
    private final BufferedReader answers;
    private String description;

    private OptunaSearch(Process process, String description) {
        this.process = process;
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.description = description;
    }

    /**
     * Starts the Optuna process and creates the study.
     *
     * @param python the interpreter that has Optuna
     * @throws Cd4mlException (a user error) if that Python lacks Optuna
     */
    static OptunaSearch start(TuneConfig tune, String python) {
        return start(tune, python, Map.of());
    }

    /**
     * As {@link #start(TuneConfig, String)}, with the configured hyperparameters as the first trial
     * where every tuned parameter has a configured value inside its range.
     */
    static OptunaSearch start(TuneConfig tune, String python, Map<String, String> configured) {
        Process process;
        try {
            process = new ProcessBuilder(python, "-u", "-c", BundledText.of(OptunaSearch.class, "optuna_search.py"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw Cd4mlException.badInput("the " + tune.strategy() + " strategy runs Optuna with " + python
                    + ", which cannot be started: " + e.getMessage(), INSTALL);
        }
        boolean hyperband = tune.strategy().equals("hyperband");
        String pruner = hyperband ? "hyperband" : tune.earlyStopping().equals("auto") ? "median" : "none";
        int startup = startupTrials(tune.maxTrials());
        OptunaSearch search = new OptunaSearch(process, "TPE (Optuna, " + startup + " random startup trials)"
                + (pruner.equals("none") ? "" : ", " + pruner + " pruning"));
        ObjectNode init = Json.mapper().createObjectNode();
        init.put("op", "init");
        init.put("direction", tune.goal() == TuneConfig.Goal.MAXIMIZE ? "maximize" : "minimize");
        init.put("sampler", "tpe");
        init.put("pruner", pruner);
        init.put("seed", tune.seed());
        init.put("startup_trials", startup);
        init.put("parallel", tune.parallelTrials());
        init.put("max_trials", tune.maxTrials());
        ObjectNode parameters = init.putObject("parameters");
        tune.parameters().forEach((name, p) -> {
            ObjectNode node = parameters.putObject(name);
            node.put("type", p.type());
            if (p.type().equals("categorical")) {
                p.values().forEach(node.putArray("values")::add);
            } else {
                node.put("min", p.min().orElseThrow());
                node.put("max", p.max().orElseThrow());
                node.put("log", p.log());
            }
        });
        ObjectNode baseline = baseline(tune, configured);
        if (baseline != null) {
            init.set("baseline", baseline);
        }
        try {
            JsonNode answer = search.request(init);
            if (answer.has("missing")) {
                search.close();
                throw Cd4mlException.badInput("the " + tune.strategy() + " strategy needs Optuna, but " + python
                        + " has none (" + answer.path("error").asText() + ")", INSTALL);
            }
            search.check(answer, "create the study");
            search.description = search.description.replace("(Optuna,", "(Optuna " + answer.path("optuna").asText()
                    + ",");
            return search;
        } catch (RuntimeException e) {
            search.close();
            throw e;
        }
    }

    private static ObjectNode baseline(TuneConfig tune, Map<String, String> configured) {
        ObjectNode baseline = Json.mapper().createObjectNode();
        for (Map.Entry<String, TuneConfig.Parameter> e : tune.parameters().entrySet()) {
            String text = configured.get(e.getKey());
            TuneConfig.Parameter p = e.getValue();
            if (text == null) {
                return null;
            }
            if (p.type().equals("categorical")) {
                if (!p.values().contains(text)) {
                    return null;
                }
                baseline.put(e.getKey(), text);
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(text.strip());
            } catch (NumberFormatException ex) {
                return null;
            }
            if (value < p.min().orElseThrow() || value > p.max().orElseThrow()
                    || p.type().equals("int") && value != Math.rint(value)) {
                return null;
            }
            if (p.type().equals("int")) {
                baseline.put(e.getKey(), (long) value);
            } else {
                baseline.put(e.getKey(), value);
            }
        }
        return baseline;
    }

    /** TPE samples at random until this many trials finished; fewer for short tunes so the model gets used. */
    static int startupTrials(int maxTrials) {
        return Math.max(2, Math.min(10, maxTrials / 5));
    }

    @Override
    public Suggestion ask() {
        ObjectNode request = Json.mapper().createObjectNode().put("op", "ask");
        JsonNode answer = check(request(request), "ask Optuna for a trial");
        Map<String, String> parameters = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = answer.path("params").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode v = field.getValue();
            parameters.put(field.getKey(), v.isIntegralNumber() ? ParameterText.ofInt(v.asLong())
                    : v.isNumber() ? ParameterText.ofFloat(v.asDouble()) : v.asText());
        }
        return new Suggestion(answer.path("trial").asInt(), parameters);
    }

    @Override
    public boolean report(int trial, int step, double value) {
        ObjectNode request = Json.mapper().createObjectNode().put("op", "report").put("trial", trial)
                .put("step", step).put("value", value);
        return check(request(request), "report trial " + trial + " to Optuna").path("prune").asBoolean(false);
    }

    @Override
    public void tell(int trial, TrialStatus status, Double value) {
        String state = switch (status) {
            case COMPLETED -> "complete";
            case PRUNED -> "pruned";
            default -> "fail";
        };
        ObjectNode request = Json.mapper().createObjectNode().put("op", "tell").put("trial", trial).put("state", state);
        if (value != null) {
            request.put("value", value);
        }
        check(request(request), "tell Optuna how trial " + trial + " ended");
    }

    @Override
    public String describe() {
        return description;
    }

    private synchronized JsonNode request(ObjectNode request) {
        try {
            requests.write(Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(request)); // one request per line
            requests.newLine();
            requests.flush();
            String line = answers.readLine();
            if (line == null) {
                throw new IOException("the Optuna process ended" + (process.isAlive() ? "" : " with exit code "
                        + waitFor()));
            }
            return Json.mapper().readTree(line);
        } catch (IOException e) {
            throw Cd4mlException.workFailed("the Optuna search process failed: " + e.getMessage(),
                    "run the tune again with --stacktrace and report it if it repeats", e);
        }
    }

    private int waitFor() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            return process.exitValue();
        } catch (InterruptedException | IllegalThreadStateException e) {
            return -1;
        }
    }

    private static JsonNode check(JsonNode answer, String what) {
        if (answer.has("error")) {
            throw Cd4mlException.workFailed("Optuna could not " + what + ": " + answer.path("error").asText(), null,
                    null);
        }
        return answer;
    }

    @Override
    public void close() {
        try {
            requests.close();
        } catch (IOException e) {
            // the process is going away anyway
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
