package io.jenkins.plugins.cd4ml.testing;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jenkins.plugins.cd4ml.TemporaryDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless Chromium, driven through the DevTools protocol (java.net.http WebSocket): open
 * a page, query the DOM, read box sizes and computed styles, and collect the console and security
 * log (where Content Security Policy refusals appear). Uses the DOM and CSS domains, not page
 * JavaScript, so it works on pages whose policy forbids scripts.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final String BINARY = "/usr/bin/chromium";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** Fails with install instructions unless Debian's chromium is installed. */
    public static void require() {
        if (!Files.isExecutable(Path.of(BINARY))) {
            fail(BINARY + " is missing; this test renders the report in headless Chromium. Install it with "
                    + "apt-get install chromium (scripts/setup-env does this for you)");
        }
    }

    /** Starts Chromium on about:blank with a fresh profile and connects to its page. */
    public static HeadlessChromium start() throws Exception {
        require();
        Path profile = Files.createTempDirectory("cd4ml-chromium");
        ProcessBuilder builder = new ProcessBuilder(BINARY, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--window-size=1400,1000", "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile());
        // Chromium's own scratch (org.chromium.Chromium.*) goes under the profile, deleted by close()
        builder.environment().put("TMPDIR", Files.createDirectory(profile.resolve("tmp")).toString());
        Process process = builder.start();
        Path portFile = profile.resolve("DevToolsActivePort");
        for (int i = 0; i < 600 && !Files.isRegularFile(portFile); i++) {
            if (!process.isAlive()) {
                fail("chromium exited: " + Files.readString(profile.resolve("chromium.log")));
            }
            Thread.sleep(100);
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
        HttpClient http = HttpClient.newHttpClient();
        String wsUrl = null;
        for (int i = 0; i < 100 && wsUrl == null; i++) {
            String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            for (JsonNode target : JSON.readTree(list)) {
                if (target.path("type").asText().equals("page")) {
                    wsUrl = target.path("webSocketDebuggerUrl").asText();
                }
            }
            if (wsUrl == null) {
                Thread.sleep(100);
            }
        }
        if (wsUrl == null) {
            fail("chromium shows no page to drive");
        }
        Listener listener = new Listener();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), listener).get(30, TimeUnit.SECONDS);
        HeadlessChromium chromium = new HeadlessChromium(process, profile, socket);
        listener.owner = chromium;
        chromium.call("Page.enable", Map.of());
        chromium.call("Log.enable", Map.of());
        chromium.call("Runtime.enable", Map.of());
        chromium.call("DOM.enable", Map.of());
        chromium.call("CSS.enable", Map.of());
        return chromium;
    }

    /** Loads {@code url} and waits for its load event. */
    public void open(String url) throws Exception {
        events.clear();
        call("Page.navigate", Map.of("url", url));
        for (int i = 0; i < 300; i++) {
            if (events.stream().anyMatch(e -> e.path("method").asText().equals("Page.loadEventFired"))) {
                return;
            }
            Thread.sleep(100);
        }
        fail("the page " + url + " did not finish loading in 30 s");
    }

    /** The node ids of the elements matching a CSS selector. */
    public List<Integer> select(String selector) throws Exception {
        int root = call("DOM.getDocument", Map.of("depth", 0)).path("root").path("nodeId").asInt();
        List<Integer> nodes = new ArrayList<>();
        call("DOM.querySelectorAll", Map.of("nodeId", root, "selector", selector)).path("nodeIds")
                .forEach(n -> nodes.add(n.asInt()));
        return nodes;
    }

    /** Width and height of a node's border box in CSS pixels; {0, 0} when it is not rendered. */
    public double[] size(int nodeId) throws Exception {
        JsonNode answer = callAllowingError("DOM.getBoxModel", Map.of("nodeId", nodeId));
        if (answer.has("error")) {
            return new double[] {0, 0};
        }
        JsonNode model = answer.path("result").path("model");
        return new double[] {model.path("width").asDouble(), model.path("height").asDouble()};
    }

    /** One computed style property of a node. */
    public String computedStyle(int nodeId, String property) throws Exception {
        for (JsonNode p : call("CSS.getComputedStyleForNode", Map.of("nodeId", nodeId)).path("computedStyle")) {
            if (p.path("name").asText().equals(property)) {
                return p.path("value").asText();
            }
        }
        return null;
    }

    /** The text of the console and browser log entries seen since the page was opened. */
    public List<String> log() {
        List<String> lines = new ArrayList<>();
        for (JsonNode e : events) {
            String method = e.path("method").asText();
            if (method.equals("Log.entryAdded")) {
                lines.add(e.at("/params/entry/source").asText() + ": " + e.at("/params/entry/text").asText());
            } else if (method.equals("Runtime.consoleAPICalled")) {
                lines.add("console: " + e.at("/params/args/0/value").asText());
            }
        }
        return lines;
    }

    /** A PNG screenshot of the whole page. */
    public void screenshot(Path png) throws Exception {
        String data = call("Page.captureScreenshot", Map.of("captureBeyondViewport", true)).path("data").asText();
        Files.createDirectories(png.getParent());
        Files.write(png, java.util.Base64.getDecoder().decode(data));
    }

    private JsonNode call(String method, Map<String, Object> params) throws Exception {
        JsonNode answer = callAllowingError(method, params);
        if (answer.has("error")) {
            fail("DevTools " + method + " failed: " + answer.path("error"));
        }
        return answer.path("result");
    }

    private JsonNode callAllowingError(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode request = JSON.createObjectNode().put("id", id).put("method", method);
        request.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(JSON.writeValueAsString(request), true).get(30, TimeUnit.SECONDS);
        return answer.get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        socket.abort();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TemporaryDirectory.deleteQuietly(profile);
    }

    /** Collects DevTools messages: answers complete their call, the rest are events. */
    private static final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();
        private volatile HeadlessChromium owner;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    HeadlessChromium o = owner;
                    if (message.has("id") && o != null) {
                        CompletableFuture<JsonNode> f = o.pending.remove(message.path("id").asInt());
                        if (f != null) {
                            f.complete(message);
                        }
                    } else if (o != null) {
                        o.events.add(message);
                    }
                } catch (IOException e) {
                    // not a DevTools message; ignore
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
