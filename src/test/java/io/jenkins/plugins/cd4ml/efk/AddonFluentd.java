package io.jenkins.plugins.cd4ml.efk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What the MicroK8s fluentd addon indexes for one line a container printed, step by step as its
 * configuration does it (canonical/microk8s-community-addons,
 * {@code addons/fluentd/fluentd/fluentd-es-configmap.yaml}; Fluentd itself is not packaged here):
 *
 * <ol>
 *   <li>{@code in_tail} on {@code /var/log/containers/*.log}, CRI format: {@code time}, {@code stream},
 *       {@code log} (the line); the CRI time becomes the event time;</li>
 *   <li>{@code detect_exceptions} and {@code concat} (key {@code message}) leave one-line JSON records as they are;</li>
 *   <li>{@code kubernetes_metadata} adds {@code kubernetes.*} (labels de-dotted) and {@code docker.container_id};</li>
 *   <li>{@code parser} on key {@code log} ({@code reserve_data}, {@code remove_key_name_field}): a JSON line's keys
 *       are merged over the record, any other line becomes {@code message};</li>
 *   <li>{@code elasticsearch} output with {@code logstash_format true}, {@code include_tag_key true}: the index is
 *       {@code logstash-%Y.%m.%d} of the record's {@code @timestamp} (UTC), or of the event time, which then becomes
 *       {@code @timestamp} (ISO-8601, whole seconds).</li>
 * </ol>
 */
public final class AddonFluentd {

    /** The pod the lines come from, as the kubelet and the metadata filter name it. */
    public record Pod(String namespace, String name, String container, String containerId, String image,
               List<String[]> labels) {
    }

    /** One document of a {@code _bulk} request. */
    public record Document(String index, ObjectNode source) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter INDEX_DATE = DateTimeFormatter.ofPattern("yyyy.MM.dd");

    private AddonFluentd() {
    }

    public static Document ship(Pod pod, String stream, Instant written, String line) {
        ObjectNode record = JSON.createObjectNode();
        record.put("stream", stream);
        ObjectNode kubernetes = record.putObject("kubernetes");
        kubernetes.put("container_name", pod.container());
        kubernetes.put("namespace_name", pod.namespace());
        kubernetes.put("pod_name", pod.name());
        kubernetes.put("container_image", pod.image());
        kubernetes.put("host", "microk8s-node");
        ObjectNode labels = kubernetes.putObject("labels");
        for (String[] label : pod.labels()) {
            labels.put(label[0].replace('.', '_'), label[1]);
        }
        record.putObject("docker").put("container_id", pod.containerId());

        JsonNode parsed = parse(line);
        if (parsed instanceof ObjectNode object) {
            record.setAll(object);
        } else {
            record.put("message", line);
        }
        record.put("tag", "kubernetes.var.log.containers." + pod.name() + "_" + pod.namespace() + "_"
                + pod.container() + "-" + pod.containerId() + ".log");

        Instant dated;
        if (record.hasNonNull("@timestamp")) {
            dated = OffsetDateTime.parse(record.get("@timestamp").asText()).toInstant();
        } else {
            dated = written.truncatedTo(ChronoUnit.SECONDS);
            record.put("@timestamp", OffsetDateTime.ofInstant(dated, ZoneOffset.UTC)
                    .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        }
        return new Document("logstash-" + INDEX_DATE.format(dated.atOffset(ZoneOffset.UTC)), record);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The {@code _bulk} body for these documents (index actions). */
    public static String bulk(List<Document> documents) {
        StringBuilder body = new StringBuilder();
        for (Document d : documents) {
            body.append("{\"index\":{\"_index\":\"").append(d.index()).append("\"}}\n").append(d.source()).append('\n');
        }
        return body.toString();
    }
}
