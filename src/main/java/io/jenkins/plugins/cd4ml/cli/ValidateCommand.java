package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code cd4ml validate}: checks config.yaml and the files it names without running anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check config.yaml, features.yaml and the files they name; report every problem at once.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the project is valid", "2:the configuration has problems (each printed as file:line:column)"})
final class ValidateCommand extends ProjectCommand {

    @Override
    int run(ProjectConfig config, Console console) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "valid");
        result.put("project", config.name());
        result.put("config", config.file().toString());
        result.put("backend", config.train().backend().configName());
        result.put("features", config.features().names());
        result.put("metrics", config.train().metrics().stream().map(m -> m.name()).toList());
        List<String> sections = Sections.present(config);
        result.put("sections", sections);
        console.result(result, config.file().getFileName() + " is valid: project " + config.name() + ", "
                + config.train().backend().configName() + " training, " + config.features().features().size()
                + " features, sections " + String.join(", ", sections) + "\n");
        return 0;
    }
}
