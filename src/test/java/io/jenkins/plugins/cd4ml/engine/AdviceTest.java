package io.jenkins.plugins.cd4ml.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jenkins.plugins.cd4ml.Cd4mlException;
import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.image.ServingImage;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import io.jenkins.plugins.cd4ml.train.Trainer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine errors give advice in the words of the front end that called the engine. */
class AdviceTest {

    /** How a Jenkins pipeline step would spell things: step parameters and step names. */
    static final Advice PIPELINE = new Advice() {
        @Override
        public String option(String option) {
            return option.replace("-", "_") + ":";
        }

        @Override
        public String operation(String operation) {
            return switch (operation) {
                case "build-image" -> "buildServingImage()";
                case "train" -> "trainModel()";
                default -> operation + "()";
            };
        }
    };

    @Test
    void rendersTheEngineOptionsAndOperationsOnly() {
        String text = "pass --image or --model VERSION, or --base-image docker://x, then cd4ml build-image; "
                + "kubectl create role --verb=get; docker ps -a --filter label=x; --imagefoo; cd4ml trainer";

        assertThat(PIPELINE.render(text)).isEqualTo("pass image: or model: VERSION, or base_image: docker://x, "
                + "then buildServingImage(); kubectl create role --verb=get; docker ps -a --filter label=x; "
                + "--imagefoo; cd4ml trainer");
        assertThat(Advice.CLI.render(text)).isEqualTo(text);
        assertThat(Advice.NEUTRAL.render("pass --model X")).isEqualTo("pass the model option X");
    }

    @Test
    void anEngineErrorNamesThePipelineParametersNotCliFlags(@TempDir Path tmp) {
        ProjectConfig config = ConfigLoader.forProject(TestProjects.project(tmp, "print(1)\n", "")).load();
        EngineContext pipeline = EngineContext.builder().environment(Map.of("PATH", System.getenv("PATH")))
                .advice(PIPELINE).build();

        assertThatThrownBy(() -> Trainer.forProject(config, pipeline).attachingTo("demo-job-1").call())
                .isInstanceOf(Cd4mlException.class)
                .satisfies(e -> {
                    Cd4mlException error = (Cd4mlException) e;
                    assertThat(error.suggestion()).hasValueSatisfying(s -> assertThat(s)
                            .contains("attach: follows jobs of the sagemaker backend", "backend: sagemaker")
                            .doesNotContain("--"));
                });
        assertThatThrownBy(() -> ServingImage.forModel(config, "s3://", pipeline).withRepository("r/x").build())
                .isInstanceOf(Cd4mlException.class).hasMessageStartingWith("model: s3:// is not a usable location");
        assertThatThrownBy(() -> ServingImage.forPromotedModel(config, pipeline).withRepository("r/x").build())
                .isInstanceOf(Cd4mlException.class)
                .satisfies(e -> assertThat(((Cd4mlException) e).suggestion()).hasValueSatisfying(s -> assertThat(s)
                        .contains("trainModel()", "model:").doesNotContain("--model", "cd4ml train")));
    }
}
