package io.jenkins.plugins.cd4ml.library

import java.nio.file.Files
import java.nio.file.Path
import org.junit.jupiter.api.Test

import static org.assertj.core.api.Assertions.assertThat

/** Every var has a help page (vars/NAME.txt) naming each of its arguments and showing an example. */
class HelpPagesTest {

    static final Path VARS = PipelineTestBase.REPOSITORY.resolve('vars')

    static List<String> argumentsOf(String source) {
        List<String> names = []
        source.findAll(/(?s)@Field static final Map<String, Class> (?:ARGUMENTS|COMMON_ARGUMENTS) = \[(.*?)\n\]/) { all, body ->
            body.eachMatch(/(?m)^\s+(\w+)\s*:/) { m, name -> names << name }
        }
        if (source.contains('cd4ml.COMMON_ARGUMENTS')) {
            names.addAll(argumentsOf(VARS.resolve('cd4ml.groovy').text.find(/(?s)@Field static final Map<String, Class> COMMON_ARGUMENTS = \[.*?\n\]/)))
        }
        return names.unique()
    }

    @Test
    void everyVarDocumentsEachArgumentAndHasAnExample() {
        List<Path> vars = Files.list(VARS).findAll { it.toString().endsWith('.groovy') }.sort()
        assertThat(vars.collect { it.fileName.toString() }).contains('trainModel.groovy', 'tuneModel.groovy',
                'qualityGate.groovy', 'buildServingImage.groovy', 'helmDeploy.groovy', 'mlPipeline.groovy',
                'cd4mlPodTemplate.groovy', 'cd4ml.groovy')
        vars.each { Path var ->
            Path help = VARS.resolve(var.fileName.toString().replace('.groovy', '.txt'))
            assertThat(help).as("help page of ${var.fileName}").exists()
            String text = help.text
            List<String> arguments = argumentsOf(var.text)
            assertThat(arguments).as("arguments of ${var.fileName}").isNotEmpty()
            arguments.each { assertThat(text).as("${help.fileName} documents ${it}").contains("<code>${it}</code>".toString()) }
            assertThat(text).as("${help.fileName} has an example").contains('<pre>')
        }
    }
}
