package io.jenkins.plugins.cd4ml.library

/**
 * Declarative Pipeline, interpreted for JenkinsPipelineUnit 1.1 (which has no declarative support):
 * the subset the examples use — pipeline, agent (none, any, label, kubernetes { yaml;
 * defaultContainer }), parameters { booleanParam; string }, environment, stages, stage (with its own
 * agent, when { branch; buildingTag; changeRequest; expression; not }, steps, post), script, post
 * { always; success; failure }. As in Jenkins, an agent block is evaluated when its section starts
 * (outside any node), a node agent checks out the SCM first, and defaultContainer wraps the steps.
 */
class DeclarativePipeline {

    /** Registers `pipeline` and `script` on {@code test}'s helper. */
    static void register(PipelineTestBase test) {
        test.helper.registerAllowedMethod('pipeline', [Closure]) { Closure body ->
            Section pipeline = Section.of(body)
            new DeclarativePipeline(test: test, script: body.thisObject).run(pipeline)
        }
        test.helper.registerAllowedMethod('script', [Closure]) { Closure body -> body() }
    }

    PipelineTestBase test
    Object script

    /** One pipeline or stage: its sections as closures, evaluated when the section runs. */
    static class Section {
        Closure agent
        Closure when
        Closure steps
        Closure post
        Closure parameters
        Closure environment
        Closure options
        List<List> stages = []
        String name

        static Section of(Closure body, String name = null) {
            Section section = new Section(name: name)
            Closure c = body.rehydrate(section, body.owner, body.thisObject)
            c.resolveStrategy = Closure.DELEGATE_FIRST
            c()
            return section
        }

        void agent(Closure c) { agent = c }
        /** `agent none` / `agent any`: the bare words read these properties. */
        void agent(String kind) {
            String k = kind
            agent = { -> k == 'any' ? any() : none() }
        }
        String getNone() { 'none' }
        String getAny() { 'any' }
        void when(Closure c) { when = c }
        void steps(Closure c) { steps = c }
        void post(Closure c) { post = c }
        void parameters(Closure c) { parameters = c }
        void environment(Closure c) { environment = c }
        void options(Closure c) { options = c }
        void stages(Closure c) {
            Closure collect = c.rehydrate(new Object() {
                void stage(String stageName, Closure stageBody) { stages << [stageName, stageBody] }
            }, c.owner, c.thisObject)
            collect.resolveStrategy = Closure.DELEGATE_FIRST
            collect()
        }
    }

    /** What an agent block says. */
    static class Agent {
        String kind
        String label
        String yaml
        String defaultContainer

        void none(String ignored = null) { kind = 'none' }
        void any() { kind = 'any' }
        void label(String l) { kind = 'label'; label = l }
        void kubernetes(Closure c) {
            kind = 'kubernetes'
            Closure k = c.rehydrate(this, c.owner, c.thisObject)
            k.resolveStrategy = Closure.DELEGATE_FIRST
            k()
        }
        void yaml(String y) { yaml = y }
        void defaultContainer(String name) { defaultContainer = name }
    }

    /** What a when block decides. */
    class Condition {
        boolean holds = true

        void branch(String pattern) {
            holds &= globMatches(pattern, test.environment.BRANCH_NAME as String)
        }
        void buildingTag() { holds &= test.environment.TAG_NAME != null }
        void changeRequest() { holds &= test.environment.CHANGE_ID != null }
        void expression(Closure c) { holds &= c() as boolean }
        void not(Closure c) {
            Condition inner = new Condition()
            Closure k = c.rehydrate(inner, c.owner, c.thisObject)
            k.resolveStrategy = Closure.DELEGATE_FIRST
            k()
            holds &= !inner.holds
        }
    }

    static boolean globMatches(String pattern, String value) {
        return value != null && value.matches(pattern.replace('.', '\\.').replace('*', '.*').replace('?', '.'))
    }

    void run(Section pipeline) {
        test.binding.setVariable('params', parametersOf(pipeline.parameters))
        if (pipeline.environment) {
            Closure e = pipeline.environment.rehydrate(new EnvironmentSection(env: test.environment), script, script)
            e.resolveStrategy = Closure.DELEGATE_FIRST
            e()
        }
        runSection(pipeline) {
            pipeline.stages.each { List stage ->
                Section s = Section.of(stage[1] as Closure, stage[0] as String)
                invokeStep('stage', s.name, {
                    if (s.when && !conditionHolds(s.when)) {
                        return
                    }
                    runSection(s) { onScript(s.@steps).call() }
                })
            }
        }
    }

    static class EnvironmentSection {
        Map env

        void setProperty(String name, Object value) { env[name] = String.valueOf(value) }
    }

    Map parametersOf(Closure parameters) {
        Map values = [:]
        if (parameters) {
            Closure p = parameters.rehydrate(new Object() {
                void booleanParam(Map a) { values[a.name] = a.defaultValue ?: false }
                void string(Map a) { values[a.name] = a.defaultValue ?: '' }
            }, script, script)
            p.resolveStrategy = Closure.DELEGATE_FIRST
            p()
        }
        return values + ((test.binding.hasVariable('params') ? test.binding.getVariable('params') : [:]) as Map)
    }

    boolean conditionHolds(Closure when) {
        Condition condition = new Condition()
        Closure c = when.rehydrate(condition, script, script)
        c.resolveStrategy = Closure.DELEGATE_FIRST
        c()
        return condition.holds
    }

    /** Runs a pipeline or stage: on its agent, then its post conditions. */
    void runSection(Section section, Closure body) {
        Throwable failure = null
        try {
            onAgent(section.agent, body)
        } catch (Throwable t) {
            failure = t
        }
        if (section.post) {
            Map<String, Closure> conditions = [:]
            Closure p = section.post.rehydrate(new Object() {
                void always(Closure c) { conditions.always = c }
                void success(Closure c) { conditions.success = c }
                void failure(Closure c) { conditions.failure = c }
            }, script, script)
            p.resolveStrategy = Closure.DELEGATE_FIRST
            p()
            if (conditions.always) {
                onScript(conditions.always).call()
            }
            Closure outcome = failure == null ? conditions.success : conditions.failure
            if (outcome) {
                onScript(outcome).call()
            }
        }
        if (failure != null) {
            throw failure
        }
    }

    void onAgent(Closure agentBlock, Closure body) {
        if (agentBlock == null) {
            body()
            return
        }
        Agent agent = new Agent()
        Closure a = agentBlock.rehydrate(agent, agentBlock.owner, agentBlock.thisObject)
        a.resolveStrategy = Closure.DELEGATE_FIRST
        a() // evaluated here, outside any node, as Jenkins does
        switch (agent.kind) {
            case 'none':
                body()
                break
            case 'any':
                invokeStep('node', { invokeStep('checkout', test.binding.getVariable('scm')); body() })
                break
            case 'label':
                invokeStep('node', agent.label, { invokeStep('checkout', test.binding.getVariable('scm')); body() })
                break
            case 'kubernetes':
                invokeStep('podTemplate', [yaml: agent.yaml], {
                    invokeStep('node', test.environment.POD_LABEL, {
                        invokeStep('checkout', test.binding.getVariable('scm'))
                        if (agent.defaultContainer) {
                            invokeStep('container', agent.defaultContainer, body)
                        } else {
                            body()
                        }
                    })
                })
                break
            default:
                throw new IllegalArgumentException("agent ${agent.kind} is not interpreted")
        }
    }

    /** The closure with every call going to the Jenkinsfile script, as steps blocks do. */
    Closure onScript(Closure c) {
        Closure k = c.rehydrate(script, script, script)
        k.resolveStrategy = Closure.DELEGATE_FIRST
        return k
    }

    /** Calls a step the way the Jenkinsfile would, so JenkinsPipelineUnit records it. */
    Object invokeStep(String name, Object... args) {
        return script.invokeMethod(name, args)
    }
}
