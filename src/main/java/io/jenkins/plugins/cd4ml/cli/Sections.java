package io.jenkins.plugins.cd4ml.cli;

import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import java.util.ArrayList;
import java.util.List;

/** Names the configuration sections a project uses. */
final class Sections {

    private Sections() {
    }

    static List<String> present(ProjectConfig config) {
        List<String> sections = new ArrayList<>(List.of("project", "model", "train"));
        config.tune().ifPresent(t -> sections.add("tune"));
        config.qualityGate().ifPresent(g -> sections.add("quality_gate"));
        config.serve().ifPresent(s -> sections.add("serve"));
        config.deploy().ifPresent(d -> sections.add("deploy"));
        return sections;
    }
}
