package io.jenkins.plugins.cd4ml.train;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jenkins.plugins.cd4ml.config.TrainConfig;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What the SageMaker training toolkit ({@code sagemaker-training}, which AWS's framework images
 * run as their {@code train} program) hands a script-mode entry point, computed the toolkit's way
 * so that a script written for SageMaker runs unchanged on every backend.
 *
 * <p>The toolkit decodes each hyperparameter with {@code json.loads}, keeping the text where that
 * fails ({@code "100"} becomes 100, {@code "gini"} stays text); passes the user's hyperparameters
 * (not the {@code sagemaker_*} ones) as {@code --name value} arguments in sorted order, each value
 * as Python's {@code str()} renders it ({@code True}, {@code 0.1}, {@code k=v,k2=v2} for a
 * mapping); and exports the environment of {@code Environment.to_env_vars()}: {@code SM_HPS},
 * {@code SM_HP_<NAME>}, {@code SM_CHANNEL_<NAME>}, {@code SM_TRAINING_ENV}, {@code SM_USER_ARGS},
 * {@code SM_MODULE_DIR} and the rest, every value that is not text as compact JSON with sorted
 * keys. On the sagemaker backend the real toolkit does this inside the job.
 */
public final class ScriptMode {

    /** The hyperparameters the toolkit keeps for itself (params.SAGEMAKER_HYPERPARAMETERS). */
    static final Set<String> SAGEMAKER_HYPERPARAMETERS = Set.of("sagemaker_program", "sagemaker_submit_directory",
            "sagemaker_enable_cloudwatch_metrics", "sagemaker_region", "sagemaker_container_log_level",
            "sagemaker_job_name", "default_user_module_name", "_tuning_objective_metric", "sagemaker_s3_output");
    private static final String SAGEMAKER_PREFIX = "sagemaker_";
    private static final String HOST = "algo-1";
    private static final String GROUP = "homogeneousCluster";
    private static final int LOG_LEVEL_INFO = 20;
    /** Names a process environment and a Kubernetes container both accept. */
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .build();

    private ScriptMode() {
    }

    /**
     * The command a run executes: for {@code train.entrypoint}, {@code python <entrypoint>} plus
     * the hyperparameters as arguments, as the toolkit runs it; a configured {@code train.command}
     * runs as written (as a custom SageMaker image's own {@code train} program would).
     */
    public static List<String> command(TrainConfig train, Map<String, String> hyperparameters) {
        List<String> command = new ArrayList<>(train.command());
        if (train.entrypoint().isPresent()) {
            command.addAll(arguments(hyperparameters));
        }
        return List.copyOf(command);
    }

    /** The user's hyperparameters as the toolkit's {@code --name value} arguments (mapping.to_cmd_args). */
    public static List<String> arguments(Map<String, String> hyperparameters) {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, Object> hp : new TreeMap<>(userHyperparameters(hyperparameters)).entrySet()) {
            args.add((hp.getKey().length() > 1 ? "--" : "-") + hp.getKey());
            args.add(argumentValue(hp.getValue()));
        }
        return args;
    }

    /**
     * The toolkit's environment for a script that sees the run directory at {@code mlRoot}.
     *
     * @param mlRoot where {@code /opt/ml} is for the script: the run directory locally, {@code /opt/ml} in containers
     * @param moduleDir where the script's code is (its working directory)
     * @param job the run
     * @param cpus CPUs the script may use
     * @param gpus GPUs the script may use
     */
    public static Map<String, String> environment(String mlRoot, String moduleDir, TrainingJob job, int cpus,
            int gpus) {
        return environment(mlRoot, moduleDir, job.runId(), entryPoint(job.project().train()), job.hyperparameters(),
                List.copyOf(job.project().train().channels().keySet()), cpus, gpus);
    }

    /**
     * The toolkit's environment from its parts.
     *
     * @param jobName the training job's name (the run id)
     * @param entryPoint the script, such as {@code train.py}
     * @param hyperparameters every hyperparameter as text, as in {@code hyperparameters.json}
     * @param channels the channel names in configuration order
     */
    public static Map<String, String> environment(String mlRoot, String moduleDir, String jobName, String entryPoint,
            Map<String, String> hyperparameters, List<String> channels, int cpus, int gpus) {
        Map<String, Object> decoded = decodeAll(hyperparameters);
        Map<String, Object> user = userHyperparameters(hyperparameters);
        Map<String, Object> framework = new TreeMap<>();
        decoded.forEach((k, v) -> {
            if (!user.containsKey(k) && !SAGEMAKER_HYPERPARAMETERS.contains(k)) {
                framework.put(k, v);
            }
        });
        Map<String, Object> inputDataConfig = new LinkedHashMap<>();
        Map<String, Object> channelDirs = new LinkedHashMap<>();
        for (String channel : channels) {
            inputDataConfig.put(channel, inputChannelConfig());
            channelDirs.put(channel, mlRoot + "/input/data/" + channel);
        }
        String moduleName = entryPoint.endsWith(".py") ? entryPoint.substring(0, entryPoint.length() - 3)
                : entryPoint;
        List<String> userArgs = arguments(hyperparameters);

        Map<String, Object> env = new LinkedHashMap<>();
        env.put("hosts", List.of(HOST));
        env.put("network_interface_name", "eth0");
        env.put("hps", user);
        env.put("user_entry_point", entryPoint);
        env.put("framework_params", framework);
        env.put("resource_config", resourceConfig());
        env.put("input_data_config", inputDataConfig);
        env.put("output_data_dir", mlRoot + "/output/data");
        env.put("channels", channels.stream().sorted().toList());
        env.put("current_host", HOST);
        env.put("current_instance_type", "local");
        env.put("current_instance_group", GROUP);
        env.put("current_instance_group_hosts", List.of(HOST));
        env.put("instance_groups", List.of(GROUP));
        env.put("instance_groups_dict", Map.of(GROUP, instanceGroup()));
        env.put("distribution_instance_groups", List.of());
        env.put("is_hetero", false);
        env.put("module_name", moduleName);
        env.put("log_level", LOG_LEVEL_INFO);
        env.put("framework_module", null);
        env.put("input_dir", mlRoot + "/input");
        env.put("input_config_dir", mlRoot + "/input/config");
        env.put("output_dir", mlRoot + "/output");
        env.put("num_cpus", cpus);
        env.put("num_gpus", gpus);
        env.put("model_dir", mlRoot + "/model");
        env.put("module_dir", moduleDir);
        env.put("training_env", trainingEnv(mlRoot, moduleDir, jobName, entryPoint, moduleName, user, framework,
                inputDataConfig, channelDirs, cpus, gpus));
        env.put("user_args", userArgs);
        env.put("output_intermediate_dir", mlRoot + "/output/intermediate");
        channelDirs.forEach((name, path) -> env.put("channel_" + name, path));
        user.forEach((name, value) -> env.put("hp_" + name, value));

        Map<String, String> vars = new LinkedHashMap<>();
        env.forEach((key, value) -> {
            String name = "SM_" + key.toUpperCase(Locale.ROOT);
            if (ENV_NAME.matcher(name).matches()) { // a hyperparameter name may not make one
                vars.put(name, envValue(value));
            }
        });
        // names a shell can use too, where the toolkit's own (upper-cased as they are) cannot be
        channelDirs.forEach((name, path) -> vars.putIfAbsent("SM_CHANNEL_" + shellName(name), (String) path));
        user.forEach((name, value) -> vars.putIfAbsent("SM_HP_" + shellName(name), envValue(value)));
        vars.put("TRAINING_JOB_NAME", jobName);
        vars.put("SM_CURRENT_HOST", HOST);
        vars.put("PYTHONUNBUFFERED", "1"); // live log streaming
        return vars;
    }

    /** {@code resourceconfig.json} of a one-host job, as the toolkit writes it outside SageMaker. */
    static Map<String, Object> resourceConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("current_host", HOST);
        config.put("hosts", List.of(HOST));
        config.put("current_instance_group", GROUP);
        config.put("instance_groups", List.of(instanceGroup()));
        return config;
    }

    /** One channel of {@code inputdataconfig.json}. */
    static Map<String, Object> inputChannelConfig() {
        Map<String, Object> channel = new LinkedHashMap<>();
        channel.put("TrainingInputMode", "File");
        channel.put("S3DistributionType", "FullyReplicated");
        channel.put("RecordWrapperType", "None");
        return channel;
    }

    private static Map<String, Object> instanceGroup() {
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("instance_group_name", GROUP);
        group.put("instance_type", "local");
        group.put("hosts", List.of(HOST));
        return group;
    }

    private static Map<String, Object> trainingEnv(String mlRoot, String moduleDir, String jobName, String entryPoint,
            String moduleName, Map<String, Object> user, Map<String, Object> framework,
            Map<String, Object> inputDataConfig, Map<String, Object> channelDirs, int cpus, int gpus) {
        // dict(Environment()): every property of the toolkit's Environment
        Map<String, Object> env = new TreeMap<>();
        env.put("additional_framework_parameters", framework);
        env.put("channel_input_dirs", channelDirs);
        env.put("current_host", HOST);
        env.put("current_instance_group", GROUP);
        env.put("current_instance_group_hosts", List.of(HOST));
        env.put("current_instance_type", "local");
        env.put("distribution_hosts", List.of());
        env.put("distribution_instance_groups", List.of());
        env.put("framework_module", null);
        env.put("hosts", List.of(HOST));
        env.put("hyperparameters", user);
        env.put("input_config_dir", mlRoot + "/input/config");
        env.put("input_data_config", inputDataConfig);
        env.put("input_dir", mlRoot + "/input");
        env.put("instance_groups", List.of(GROUP));
        env.put("instance_groups_dict", Map.of(GROUP, instanceGroup()));
        env.put("is_hetero", false);
        env.put("is_master", true);
        env.put("is_modelparallel_enabled", null);
        env.put("job_name", jobName);
        env.put("log_level", LOG_LEVEL_INFO);
        env.put("master_hostname", HOST);
        env.put("model_dir", mlRoot + "/model");
        env.put("module_dir", moduleDir);
        env.put("module_name", moduleName);
        env.put("network_interface_name", "eth0");
        env.put("num_cpus", cpus);
        env.put("num_gpus", gpus);
        env.put("output_data_dir", mlRoot + "/output/data");
        env.put("output_dir", mlRoot + "/output");
        env.put("output_intermediate_dir", mlRoot + "/output/intermediate");
        env.put("resource_config", resourceConfig());
        env.put("user_entry_point", entryPoint);
        return env;
    }

    private static String entryPoint(TrainConfig train) {
        return train.entrypoint().orElseGet(() -> train.command().stream().filter(part -> part.endsWith(".py"))
                .findFirst().orElse(train.command().get(train.command().size() - 1)));
    }

    private static String shellName(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
    }

    private static Map<String, Object> decodeAll(Map<String, String> hyperparameters) {
        Map<String, Object> decoded = new LinkedHashMap<>();
        hyperparameters.forEach((k, v) -> decoded.put(k, decode(v)));
        return decoded;
    }

    /** The hyperparameters the script gets: all but {@code sagemaker_*} and the toolkit's own. */
    private static Map<String, Object> userHyperparameters(Map<String, String> hyperparameters) {
        Map<String, Object> user = new LinkedHashMap<>();
        hyperparameters.forEach((k, v) -> {
            if (!k.startsWith(SAGEMAKER_PREFIX) && !SAGEMAKER_HYPERPARAMETERS.contains(k)) {
                user.put(k, decode(v));
            }
        });
        return user;
    }

    /**
     * A hyperparameter as the toolkit's {@code json.loads} reads it, or the text itself where that
     * fails: null, Boolean, BigInteger, Double, String, List or Map.
     */
    static Object decode(String text) {
        try {
            return JSON.readValue(text, Object.class);
        } catch (IOException | RuntimeException e) {
            return text;
        }
    }

    /** An argument value: Python's {@code str()}, and {@code k=v,...} in key order for a mapping. */
    private static String argumentValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            List<String> items = new ArrayList<>();
            new TreeMap<>(map).forEach((k, v) -> items.add(k + "=" + PythonText.str(v)));
            return String.join(",", items);
        }
        return value == null ? "" : PythonText.str(value);
    }

    /** An environment value: text as it is, anything else as compact sorted JSON (mapping.to_env_vars). */
    private static String envValue(Object value) {
        if (value == null) {
            return "";
        }
        return value instanceof String s ? s : PythonText.json(value);
    }

    /** Python's renderings of decoded JSON values: {@code str()}, {@code repr()} and {@code json.dumps}. */
    static final class PythonText {

        private PythonText() {
        }

        static String str(Object value) {
            return value instanceof String s ? s : repr(value);
        }

        static String repr(Object value) {
            if (value == null) {
                return "None";
            }
            if (value instanceof Boolean b) {
                return b ? "True" : "False";
            }
            if (value instanceof BigInteger || value instanceof Integer || value instanceof Long) {
                return value.toString();
            }
            if (value instanceof Double d) {
                return floatRepr(d);
            }
            if (value instanceof String s) {
                return stringRepr(s);
            }
            if (value instanceof List<?> list) {
                List<String> items = new ArrayList<>();
                list.forEach(item -> items.add(repr(item)));
                return "[" + String.join(", ", items) + "]";
            }
            Map<?, ?> map = (Map<?, ?>) value;
            List<String> items = new ArrayList<>();
            map.forEach((k, v) -> items.add(repr(k) + ": " + repr(v)));
            return "{" + String.join(", ", items) + "}";
        }

        /** {@code json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)}. */
        static String json(Object value) {
            if (value == null) {
                return "null";
            }
            if (value instanceof Boolean b) {
                return b.toString();
            }
            if (value instanceof Double d) {
                if (d.isNaN()) {
                    return "NaN";
                }
                if (d.isInfinite()) {
                    return d > 0 ? "Infinity" : "-Infinity";
                }
                return floatRepr(d);
            }
            if (value instanceof Number n) {
                return n.toString();
            }
            if (value instanceof String s) {
                return jsonString(s);
            }
            if (value instanceof List<?> list) {
                List<String> items = new ArrayList<>();
                list.forEach(item -> items.add(json(item)));
                return "[" + String.join(",", items) + "]";
            }
            List<String> items = new ArrayList<>();
            new TreeMap<>((Map<?, ?>) value).forEach((k, v) -> items.add(jsonString(String.valueOf(k)) + ":" + json(v)));
            return "{" + String.join(",", items) + "}";
        }

        /** {@code repr(float)}: the shortest digits, positional from 1e-4 to 1e16, else {@code 1.5e-05}. */
        static String floatRepr(double d) {
            if (Double.isNaN(d)) {
                return "nan";
            }
            if (Double.isInfinite(d)) {
                return d > 0 ? "inf" : "-inf";
            }
            String sign = (d < 0 || (d == 0 && 1 / d < 0)) ? "-" : "";
            double abs = Math.abs(d);
            if (abs == 0) {
                return sign + "0.0";
            }
            BigDecimal exact = new BigDecimal(Double.toString(abs)).stripTrailingZeros();
            String digits = exact.unscaledValue().toString();
            int exponent = digits.length() - 1 - exact.scale();
            if (exponent >= -4 && exponent < 16) {
                String plain = exact.toPlainString();
                return sign + (plain.contains(".") ? plain : plain + ".0");
            }
            String mantissa = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1)
                    : digits;
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d",
                    Math.abs(exponent));
        }

        private static String stringRepr(String s) {
            char quote = s.contains("'") && !s.contains("\"") ? '"' : '\'';
            StringBuilder out = new StringBuilder().append(quote);
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c == quote) {
                            out.append('\\').append(c);
                        } else if (c < 0x20 || c == 0x7f) {
                            out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append(quote).toString();
        }

        private static String jsonString(String s) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> {
                        if (c < 0x20 || c > 0x7f) {
                            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }
}
