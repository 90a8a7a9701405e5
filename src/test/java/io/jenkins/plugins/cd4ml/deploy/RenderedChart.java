package io.jenkins.plugins.cd4ml.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.Yaml;

/** The manifests {@code helm template} renders from the bundled chart, parsed into fabric8 model types. */
final class RenderedChart {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    final String text;
    final List<HasMetadata> objects;

    private RenderedChart(String text, List<HasMetadata> objects) {
        this.text = text;
        this.objects = objects;
    }

    /** Renders {@code chart} as release {@code release} with {@code values} (written to a values file). */
    static RenderedChart render(Path chart, Path scratch, String release, String namespace, Map<String, Object> values) {
        Path file = writeValues(scratch, values);
        String text = new Helm(chart).template().withName(release).withNamespace(namespace).withValuesFile(file).call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : text.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
                continue;
            }
            objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
        }
        return new RenderedChart(text, objects);
    }

    /**
     * Renders the {@code helm test} hook pod too: {@code helm template} (as helm-java runs it) leaves
     * hooks out, so a copy of the chart has the hook annotations removed.
     */
    static RenderedChart renderTestHook(Path chart, Path scratch, String release, Map<String, Object> values) {
        try {
            Path copy = Files.createTempDirectory(scratch, "chart-with-hook-");
            BundledChart.extractTo(copy);
            Path hook = copy.resolve("templates/tests/test-prediction.yaml");
            Files.writeString(hook, Files.readString(hook).replaceAll("(?m)^\\s*helm\\.sh/hook[^\\n]*\\n", ""));
            return render(copy, scratch, release, "default", values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path writeValues(Path scratch, Map<String, Object> values) {
        try {
            Path file = Files.createTempFile(scratch, "values-", ".yaml");
            Files.writeString(file, new Yaml().dump(values));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        Optional<T> found = find(type, name);
        assertThat(found).as(type.getSimpleName() + " " + name + " in\n" + text).isPresent();
        return found.get();
    }

    Deployment deployment(String name) {
        return get(Deployment.class, name);
    }

    Service service(String name) {
        return get(Service.class, name);
    }

    Ingress ingress(String name) {
        return get(Ingress.class, name);
    }

    List<String> kinds() {
        return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }
}
