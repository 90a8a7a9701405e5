package io.jenkins.plugins.cd4ml.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.Json;
import io.jenkins.plugins.cd4ml.engine.CancelToken;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code cd4ml} command run inside another program's JVM (the Jenkins plugin's agent side):
 * one subcommand with {@code --json}, options given as a Jenkinsfile writes them
 * ({@code baseImage: 'x'} for {@code --base-image x}). It runs with the caller's environment and
 * {@link CancelToken} (never the process's), so two embedded commands in one JVM (two Jenkins builds
 * on one agent) see only their own settings and credentials; cancelling the token stops the command
 * as Ctrl-C stops the CLI.
 *
 * <p>Running the CLI's own commands (rather than a second copy of what each does) keeps the
 * result documents, exit codes and progress text identical on both paths of the shared library.
 */
public final class EmbeddedCli {

    /** Options a caller may not give: output format, help, and secrets (credentials come from the environment). */
    private static final Set<String> RESERVED = Set.of("json", "quiet", "stacktrace", "config", "help", "version",
            "registryUsername", "registryPasswordStdin");
    /** Options whose CLI name is the singular of the Jenkinsfile's map (-p NAME=VALUE per entry). */
    private static final Map<String, String> MAP_OPTIONS = Map.of("hyperparameters", "hyperparameter");

    private EmbeddedCli() {
    }

    /** What one run printed and returned. */
    public record Run(int exitCode, String json) {
    }

    /** True if this version of the CLI has {@code subcommand}. */
    public static boolean has(String subcommand) {
        return commands().getSubcommands().containsKey(subcommand);
    }

    /**
     * The arguments for {@code subcommand} with {@code options}.
     *
     * @throws Cd4mlException naming every unknown option and the known ones
     */
    public static List<String> arguments(String subcommand, String operation, Path project, String configFile,
            Map<String, ?> options) {
        CommandSpec spec = commands().getSubcommands().get(subcommand).getCommandSpec();
        List<String> args = new ArrayList<>(List.of(subcommand, "--json"));
        if (configFile != null && !configFile.isBlank()) {
            args.add("--config");
            args.add(configFile);
        }
        List<String> unknown = new ArrayList<>();
        options.forEach((name, value) -> {
            OptionSpec option = RESERVED.contains(name) ? null : spec.findOption(kebab(MAP_OPTIONS.getOrDefault(name, name)));
            if (option == null) {
                unknown.add("'" + name + "'");
            } else if (value != null) {
                add(args, option, name, value, operation);
            }
        });
        if (!unknown.isEmpty()) {
            Set<String> known = known(spec);
            throw Cd4mlException.badInput((unknown.size() == 1 ? "unknown option " : "unknown options ")
                    + String.join(", ", unknown) + " for the " + operation + " operation; "
                    + (known.isEmpty() ? "it takes no options" : "its options are " + String.join(", ", known)),
                    "remove or correct " + (unknown.size() == 1 ? "it" : "them"));
        }
        if (spec.positionalParameters().stream().anyMatch(p -> p.paramLabel().equals("PROJECT"))) {
            args.add(project.toString());
        }
        return args;
    }

    /**
     * Runs {@code arguments} with {@code environment} as the command's whole environment and
     * {@code cancel} as its stop; progress and error lines go to {@code lines} as they are printed.
     */
    public static Run run(List<String> arguments, Consumer<String> lines, Map<String, String> environment,
            CancelToken cancel) {
        StringWriter json = new StringWriter();
        try (LineWriter progress = new LineWriter(lines)) {
            int exitCode = Main.execute(arguments.toArray(String[]::new), new PrintWriter(json, true),
                    new PrintWriter(progress, true), environment, cancel);
            return new Run(exitCode, json.toString());
        }
    }

    private static void add(List<String> args, OptionSpec option, String name, Object value, String operation) {
        String flag = option.longestName();
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                args.add(flag);
                args.add(k + "=" + text(v));
            });
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                args.add(flag);
                args.add(String.valueOf(item));
            }
        } else if (option.typeInfo().isBoolean() || option.arity().max() == 0) {
            boolean on = value instanceof Boolean b ? b : parseBoolean(name, value, operation);
            if (on) {
                args.add(flag);
            } else if (option.negatable()) {
                args.add("--no-" + flag.substring(2));
            }
        } else {
            args.add(flag);
            args.add(String.valueOf(value));
        }
    }

    /** A value as a script receives it: text as written, lists and maps as JSON (as config.yaml passes them). */
    private static String text(Object value) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            try {
                return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("plain values always serialise", e);
            }
        }
        return String.valueOf(value);
    }

    private static boolean parseBoolean(String name, Object value, String operation) {
        String text = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw Cd4mlException.badInput("option '" + name + "' of the " + operation + " operation is '" + value
                + "'; expected true or false", "give " + name + " as true or false");
    }

    /** The options a Jenkinsfile can give, spelled as it spells them. */
    private static Set<String> known(CommandSpec spec) {
        Set<String> known = new TreeSet<>();
        for (OptionSpec option : spec.options()) {
            String name = camel(option.longestName().replaceFirst("^-+", ""));
            if (!RESERVED.contains(name)) {
                MAP_OPTIONS.forEach((map, cli) -> {
                    if (cli.equals(name)) {
                        known.add(map);
                    }
                });
                if (!MAP_OPTIONS.containsValue(name)) {
                    known.add(name);
                }
            }
        }
        return known;
    }

    /** {@code baseImage} → {@code --base-image}. */
    static String kebab(String name) {
        return "--" + name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** {@code base-image} → {@code baseImage}. */
    static String camel(String kebab) {
        StringBuilder s = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                s.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return s.toString();
    }

    private static CommandLine commands() {
        return Main.commandLine(new PrintWriter(Writer.nullWriter()), new PrintWriter(Writer.nullWriter()));
    }

    /** Hands each complete line to a consumer as it is written. */
    private static final class LineWriter extends Writer {
        private final Consumer<String> lines;
        private final StringBuilder line = new StringBuilder();

        LineWriter(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(char[] buffer, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                char c = buffer[i];
                if (c == '\n') {
                    emit();
                } else if (c != '\r') {
                    line.append(c);
                }
            }
        }

        private void emit() {
            lines.accept(line.toString());
            line.setLength(0);
        }

        @Override
        public void flush() {
        }

        @Override
        public synchronized void close() {
            if (line.length() > 0) {
                emit();
            }
        }
    }
}
