package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeAnthropic;
import haia.testing.FakeProxmox;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.ToolStack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16's "done when", on the packaged jar: a fake Proxmox (pinned), a real Podman engine and two real MCP
 * servers (stdio and Streamable HTTP) configured as a user writes it, and the fake Anthropic (which checks every
 * request against Anthropic's rules) as a model that looks before it answers. "Which nodes are up, and is the k3s VM
 * running?" is answered from the tool results, blocking and streamed; the stream shows each call as OpenWebUI's
 * block and status events, and never a {@code tool_calls} delta; Proxmox saw only GETs; {@code /metrics} counts the
 * calls by tool and outcome; the next turn aligns with the stored one and the model gets the earlier calls back.
 */
class AgentLoopIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "Which nodes are up, and is the k3s VM running?";
    private static final Pattern NODES = Pattern.compile("\\d of \\d nodes online");
    private static final Pattern K3S = Pattern.compile("101 k3s \\(qemu on pve2\\): \\w+");

    @TempDir
    Path dir;

    @Test
    void theQuestionIsAnsweredFromWhatTheToolsFound() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             ToolStack stack = ToolStack.start(dir)) {
            Files.writeString(dir.resolve("tools.yaml"), stack.yaml());
            FakeProxmox pve = stack.pve;
            // the model: asked the question, it looks (five calls at once); given the results, it answers from them
            String k3sNote = stack.notes.resolve("k3s.md").toString();
            anthropic.respondWith(request -> {
                if (request.lastUserText().contains("on which node")) {
                    return FakeAnthropic.reply("On pve2.");   // the earlier calls and results are in its window
                }
                JsonNode last = request.body().path("messages").get(request.body().path("messages").size() - 1);
                if (!last.path("content").isArray() || !last.path("content").path(0).path("type").asText()
                        .equals("tool_result")) {
                    return FakeAnthropic.toolUse(
                            new FakeAnthropic.Call("toolu_nodes", "haia_pve_cluster_status", "{}"),
                            new FakeAnthropic.Call("toolu_k3s", "haia_pve_guest_status", "{\"name\":\"k3s\"}"),
                            new FakeAnthropic.Call("toolu_ctr", "haia_docker_containers", "{}"),
                            new FakeAnthropic.Call("toolu_note", "haia_notes_read_text_file",
                                                   "{\"path\":" + JSON.valueToTree(k3sNote) + "}"),
                            new FakeAnthropic.Call("toolu_echo", "haia_demo_echo", "{\"message\":\"checked\"}"));
                }
                String results = request.lastUserText();
                return FakeAnthropic.reply("From what I found: " + find(NODES, results) + "; " + find(K3S, results)
                                                   + ".");
            });
            Map<String, String> env = stack.env(new HashMap<>());
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
            env.put("HAIA_CONFIG", dir.resolve("tools.yaml").toString());
            try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                awaitToolsReady(haia);

                // blocking
                ObjectNode blocking = Http.chat("haia", QUESTION);
                Http.Response reply = Http.post(haia.uri("/v1/chat/completions"), blocking,
                                                Map.of("X-OpenWebUI-Chat-Id", "chat-blocking"));
                assertEquals(200, reply.status(), reply.body());
                JsonNode message = reply.json().path("choices").path(0).path("message");
                String content = message.path("content").asText();
                assertTrue(content.endsWith("From what I found: 2 of 3 nodes online; 101 k3s (qemu on pve2): running."),
                           content);
                assertFalse(message.has("tool_calls"), reply.body());
                assertEquals("stop", reply.json().path("choices").path(0).path("finish_reason").asText());
                assertEquals(5, blocks(content).size(), content);
                assertTrue(content.contains("name=\"haia_pve_cluster_status\" arguments=\"&quot;{}&quot;\""), content);
                assertTrue(content.contains("result=\"&quot;Echo: checked&quot;\""), content);

                // streamed, as OpenWebUI asks (its chat id header): status events, blocks, no tool_calls
                ObjectNode streamed = Http.chat("haia", QUESTION);
                streamed.put("stream", true);
                List<JsonNode> chunks;
                try (SseClient sse = SseClient.post(haia.uri("/v1/chat/completions"), streamed.toString(),
                                                    Map.of("X-OpenWebUI-Chat-Id", "chat-streamed"))) {
                    assertEquals(200, sse.status());
                    chunks = sse.chunksUntilDone();
                }
                for (JsonNode chunk : chunks) {
                    assertTrue(chunk.path("choices").path(0).path("delta").path("tool_calls").isMissingNode(),
                               "no tool_calls for HAIA's tools: " + chunk);
                }
                List<String> statuses = new ArrayList<>();
                chunks.stream().filter(c -> c.has("event"))
                        .forEach(c -> statuses.add(c.path("event").path("data").path("description").asText()));
                assertEquals(2, statuses.size(), statuses.toString());
                assertTrue(statuses.getFirst().startsWith("Checking: haia_pve_cluster_status, haia_pve_guest_status"
                                                                  + " {\"name\":\"k3s\"}, haia_docker_containers"),
                           statuses.toString());
                String text = SseClient.text(chunks);
                // the stream shows what the blocking reply shows (the engine's "Up N seconds" moves on in between)
                assertEquals(blocks(content), blocks(text), text);
                assertTrue(text.endsWith("From what I found: 2 of 3 nodes online; 101 k3s (qemu on pve2): running."),
                           text);

                // the next turn, as OpenWebUI sends it (the reply's text with the blocks): aligned, and the model
                // gets the calls and the whole results from the store
                ObjectNode next = Http.chat("haia", QUESTION, text, "And the k3s VM, on which node?");
                Http.Response second = Http.post(haia.uri("/v1/chat/completions"), next,
                                                 Map.of("X-OpenWebUI-Chat-Id", "chat-streamed"));
                assertEquals(200, second.status(), second.body());
                JsonNode sent = anthropic.lastRequest().body().path("messages");
                assertEquals(5, sent.size(), sent.toString());
                assertEquals("tool_use", sent.path(1).path("content").path(0).path("type").asText(), sent.toString());
                assertEquals("tool_result", sent.path(2).path("content").path(0).path("type").asText());
                assertFalse(sent.toString().contains("<details"), "no markup reaches the model");
                boolean found = false;
                for (JsonNode conversation : Http.get(haia.uri("/v1/conversations")).json().path("data")) {
                    if ("chat-streamed".equals(conversation.path("key").asText())) {
                        found = true;
                        assertEquals(4, count(conversation, "message"), "nothing imported: " + conversation);
                        assertEquals(4, count(conversation, "live"), conversation.toString());
                    }
                }
                assertTrue(found, "the streamed chat is stored");

                assertEquals(List.of(), anthropic.violations(), "every request valid for Anthropic");
                assertTrue(pve.requests().stream().allMatch(r -> r.method().equals("GET")), pve.requests().toString());
                String metrics = Http.get(haia.uri("/metrics")).body();
                assertTrue(metrics.lines().anyMatch(l -> l.startsWith("haia_tool_call_seconds_count{")
                        && l.contains("tool=\"haia_pve_cluster_status\"") && l.contains("result=\"ok\"")
                        && (l.endsWith(" 2.0") || l.endsWith(" 2"))), metrics);
                assertTrue(metrics.lines().anyMatch(l -> l.startsWith("haia_agent_loops_total{") && l.contains("end=\"answered\"")
                        && (l.endsWith(" 3.0") || l.endsWith(" 3"))), metrics);
                haia.stop(Duration.ofSeconds(30));
                assertFalse(haia.log().contains("SECRET"), haia.log());
            }
        }
    }

    private static void awaitToolsReady(HaiaProcess haia) throws Exception {
        Instant end = Instant.now().plusSeconds(90);
        while (true) {
            String health = Http.get(haia.uri("/health")).body();
            if (List.of("\"pve\":\"up", "\"docker\":\"up", "\"notes\":\"connected", "\"demo\":\"connected")
                    .stream().allMatch(health::contains)) {
                return;
            }
            assertTrue(Instant.now().isBefore(end), health);
            Thread.sleep(200);
        }
    }

    /** {@code message_count} or {@code live_count}, however the API spells it. */
    private static int count(JsonNode conversation, String which) {
        JsonNode snake = conversation.path(which + "_count");
        return snake.isMissingNode() ? conversation.path(which + "Count").asInt(-1) : snake.asInt();
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group() : "(not found)";
    }

    /** The id and name of each tool-call block in a reply's text. */
    private static List<String> blocks(String content) {
        List<String> blocks = new ArrayList<>();
        Matcher matcher = Pattern.compile("<details type=\"tool_calls\" done=\"true\" (id=\"[^\"]*\" name=\"[^\"]*\")")
                .matcher(content);
        while (matcher.find()) {
            blocks.add(matcher.group(1));
        }
        return blocks;
    }
}
