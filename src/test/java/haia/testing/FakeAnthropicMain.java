package haia.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The test suite's {@link FakeAnthropic} as a process of its own, for {@code bin/e2e-openwebui}: HAIA talks to it
 * as to Anthropic, and the e2e driver reads what it received and scripts slow replies through a small control API
 * on a second loopback port.
 *
 * <p>Usage: {@code java -cp <test classes, haia.jar, libs> haia.testing.FakeAnthropicMain <ports file>}. It writes
 * {@code url=http://127.0.0.1:P} and {@code control=http://127.0.0.1:C} into the ports file once both listen, and
 * runs until it is killed. Next to it runs the suite's {@link FakeProxmox} (HTTPS, its certificate in the ports
 * file's folder), for HAIA's Proxmox tools: {@code pve_url}, {@code pve_fingerprint} and {@code pve_token} in the
 * ports file.
 *
 * <p>Control API (JSON):
 * <ul>
 *     <li>{@code GET /requests?from=N}: requests received from the N-th on, each {@code {"index","headers","body"}}</li>
 *     <li>{@code GET /violations}: Anthropic rules HAIA's requests broke (must stay empty)</li>
 *     <li>{@code POST /script} {@code {"pieces":[...],"delay_ms":N}}: the next request gets this streamed reply
 *     (with {@code "then_error":"overloaded_error"}: cut by that error event after the pieces);
 *     {@code {"error":{"status","type","message"}}}: the next request gets this Anthropic error</li>
 * </ul>
 *
 * <p>With nothing scripted, OpenWebUI's background task prompts ({@code ### Task:}) get the JSON answer each task
 * expects (a title, tags, follow-up questions), so OpenWebUI can use them; a message asking to check "with your
 * tools", in a request that offers HAIA's Proxmox tools, gets a call of {@code haia_pve_cluster_status} (and the
 * request with its result the echo of that result); everything else gets the usual echo.
 */
public final class FakeAnthropicMain {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.concurrent.atomic.AtomicInteger CALLS = new java.util.concurrent.atomic.AtomicInteger();

    private FakeAnthropicMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: FakeAnthropicMain <ports file>");
            System.exit(2);
        }
        FakeAnthropic fake = FakeAnthropic.start();
        Path ports = Path.of(args[0]).toAbsolutePath();
        FakeProxmox pve = FakeProxmox.start(ports.getParent());
        fake.respondWith(FakeAnthropicMain::answer);
        WebServer control = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(r -> r.get("/requests", (req, res) -> requests(fake, req, res))
                        .get("/violations", (req, res) -> json(res, JSON.valueToTree(fake.violations())))
                        .post("/script", (req, res) -> script(fake, req, res)))
                .build()
                .start();
        Path partial = ports.resolveSibling(ports.getFileName() + ".tmp");
        Files.writeString(partial, "url=" + fake.baseUrl() + "\ncontrol=http://127.0.0.1:" + control.port() + "\n"
                + "pve_url=" + pve.url() + "\npve_fingerprint=" + pve.fingerprint() + "\npve_token=" + FakeProxmox.TOKEN
                + "\n", StandardCharsets.UTF_8);
        Files.move(partial, ports, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("fake anthropic at " + fake.baseUrl() + ", control at http://127.0.0.1:" + control.port());
        new CountDownLatch(1).await();   // until killed
    }

    /** Task prompts get the JSON OpenWebUI parses out of the answer; chat messages the echo. */
    static FakeAnthropic.Behaviour answer(FakeAnthropic.Received request) {
        String text = request.lastUserText();
        if (text.contains("with your tools") && request.body().path("tools").toString()
                .contains("\"haia_pve_cluster_status\"")) {
            return FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_e2e_" + CALLS.incrementAndGet(),
                                                                "haia_pve_cluster_status", "{}"));
        }
        if (!text.startsWith("### Task:")) {
            return FakeAnthropic.echo(request);
        }
        // each template names the JSON key of its answer in its "### Output:" section
        if (text.contains("\"follow_ups\"")) {
            return FakeAnthropic.reply("{\"follow_ups\": [\"What does the log say?\", \"Which version is it?\"]}");
        }
        if (text.contains("\"tags\"")) {
            return FakeAnthropic.reply("{\"tags\": [\"Technology\", \"Homelab\"]}");
        }
        if (text.contains("\"title\"")) {
            return FakeAnthropic.reply("{\"title\": \"Homelab troubleshooting\"}");
        }
        return FakeAnthropic.reply("{}");
    }

    private static void requests(FakeAnthropic fake, ServerRequest req, ServerResponse res) throws Exception {
        int from = req.query().first("from").map(Integer::parseInt).orElse(0);
        List<FakeAnthropic.Received> all = fake.requests();
        ArrayNode list = JSON.createArrayNode();
        for (int i = from; i < all.size(); i++) {
            ObjectNode entry = list.addObject().put("index", i);
            entry.set("headers", JSON.valueToTree(all.get(i).headers()));
            entry.set("body", all.get(i).body());
        }
        json(res, list);
    }

    private static void script(FakeAnthropic fake, ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = JSON.readTree(req.content().as(byte[].class));
        JsonNode error = body.path("error");
        if (error.isObject()) {
            fake.enqueue(FakeAnthropic.error(error.path("status").asInt(), error.path("type").asText(),
                                             error.path("message").asText()));
            json(res, JSON.createObjectNode().put("queued", "error"));
            return;
        }
        List<String> pieces = new ArrayList<>();
        body.path("pieces").forEach(p -> pieces.add(p.asText()));
        Duration delay = Duration.ofMillis(body.path("delay_ms").asLong(0));
        if (body.hasNonNull("then_error")) {
            fake.enqueue(new FakeAnthropic.Behaviour.StreamThenError(pieces, body.path("then_error").asText(), delay));
        } else {
            fake.enqueue(FakeAnthropic.streamed(pieces, delay));
        }
        json(res, JSON.createObjectNode().put("queued", pieces.size()));
    }

    private static void json(ServerResponse res, JsonNode body) throws Exception {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(body));
    }
}
