package io.jenkins.plugins.cd4ml.train.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.jenkins.plugins.cd4ml.event.Event;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Following the training container's log across a dropped connection. */
@EnableKubernetesMockClient(crud = true, https = false)
class PodLogFollowerTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void reconnectsFromTheLastTimestampWithoutLosingOrRepeatingLines() throws Exception {
        FakeKubelet kubelet = new FakeKubelet(server, client, "ml");
        Job job = client.batch().v1().jobs().inNamespace("ml").resource(new JobBuilder().withNewMetadata()
                .withName("demo-run").withUid("u1").endMetadata().withNewSpec().withNewTemplate().withNewMetadata()
                .addToLabels("io.cd4ml/run-id", "demo-run").endMetadata().withNewSpec().addNewContainer()
                .withName("train").withImage("python:3.11-slim").endContainer().endSpec().endTemplate().endSpec()
                .build()).create();
        Pod pod = kubelet.createPod(job);
        kubelet.schedule(pod, "node-1");
        kubelet.run(pod);
        server.expect().get().withPath("/api/v1/namespaces/ml/pods/" + pod.getMetadata().getName()
                + "/log?pretty=false&container=train&timestamps=true&follow=true").andReturn(200, """
                2025-01-01T12:00:01.5Z epoch 1
                2025-01-01T12:00:04.25Z epoch 2
                """).once();
        // the connection dropped while the container ran on; the API resumes at whole seconds
        kubelet.serveLogSince(pod, "2025-01-01T12:00:04Z",
                "2025-01-01T12:00:04.25Z epoch 2",
                "2025-01-01T12:00:04.7Z epoch 2 done",
                "2025-01-01T12:00:09Z epoch 3");
        List<Event> events = new CopyOnWriteArrayList<>();
        PodLogFollower follower = new PodLogFollower(client.pods().inNamespace("ml")
                .withName(pod.getMetadata().getName()), pod.getMetadata().getName(), events::add);

        follower.start();
        for (int i = 0; i < 300 && events.size() < 4; i++) {
            Thread.sleep(50);
        }
        kubelet.terminate(pod, 0, "Completed", null);

        assertThat(follower.awaitEnd(Duration.ofSeconds(20))).isTrue();
        assertThat(events).map(e -> ((Event.LogLine) e).line())
                .containsExactly("epoch 1", "epoch 2", "epoch 2 done", "epoch 3");
    }
}
