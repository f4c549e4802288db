package haia.llm.anthropic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.RecordedStream;
import haia.llm.TestRequests;
import haia.testing.PromptCacheAccounting;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the Anthropic mapping puts prompt-cache breakpoints: on the stable parts, at most 4, never below the minimum. */
class AnthropicCacheTest {

    private final AnthropicProtocol protocol = new AnthropicProtocol(
            RecordedStream.provider("anthropic", "https://api.anthropic.com/", "sk-ant-test", Map.of()));

    /** A tool whose definition alone is over Sonnet's minimum (1,024 tokens). */
    private static final haia.llm.ToolDefinition RUNBOOK = new haia.llm.ToolDefinition(
            "runbook", "Looks up a runbook page. ".repeat(200), TestRequests.json("{\"type\":\"object\"}"),
            java.util.Optional.empty());
    private static final String PERSONA = "You are HAIA, a Proxmox troubleshooting assistant. ".repeat(400);

    private JsonNode body(TestRequests.Builder request) throws Exception {
        return ProtocolJson.READER.readTree(protocol.request(request.build(), false).body());
    }

    private static List<String> marked(JsonNode body) {
        List<String> marked = new ArrayList<>();
        body.path("tools").forEach(t -> {
            if (t.has("cache_control")) {
                marked.add("tool " + t.path("name").asText());
            }
        });
        body.path("system").forEach(s -> {
            if (s.has("cache_control")) {
                marked.add("system");
            }
        });
        JsonNode messages = body.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            for (JsonNode block : messages.get(i).path("content")) {
                if (block.has("cache_control")) {
                    marked.add("message " + i + " " + block.path("type").asText());
                }
            }
        }
        return marked;
    }

    private static LlmMessage[] conversation(int exchanges) {
        List<LlmMessage> messages = new ArrayList<>();
        for (int i = 0; i < exchanges; i++) {
            messages.add(LlmMessage.user("question " + i + " " + "pvecm status output ".repeat(200)));
            messages.add(LlmMessage.assistant("answer " + i));
        }
        messages.add(LlmMessage.user("and now?"));
        return messages.toArray(LlmMessage[]::new);
    }

    @Test
    void theToolsThePersonaThePreviousTurnAndTheNewTurnAreMarkedFourAtMost() throws Exception {
        JsonNode body = body(TestRequests.request("claude-sonnet-4-5").system(PERSONA).tools(RUNBOOK)
                                     .messages(conversation(3)).cached());
        assertEquals(List.of("tool runbook", "system", "message 5 text", "message 6 text"), marked(body));
        assertEquals("ephemeral", body.path("system").get(0).path("cache_control").path("type").asText());
        assertTrue(PromptCacheAccounting.problem(body).isEmpty(), "the fake's rules (4 breakpoints at most) hold");
        assertEquals("question 0 " + "pvecm status output ".repeat(200), body.path("messages").get(0).path("content")
                .asText(), "unmarked messages keep their compact string form");
    }

    @Test
    void aPrefixBelowTheModelsMinimumIsNotMarked() throws Exception {
        // Haiku 4.5 caches from 4,096 tokens: a short persona alone is not worth a breakpoint, the long window is
        JsonNode body = body(TestRequests.request("claude-haiku-4-5-20251001").messages(conversation(6)).cached());
        assertEquals(List.of("message 11 text", "message 12 text"), marked(body));
        JsonNode small = body(TestRequests.request("claude-haiku-4-5-20251001").messages(LlmMessage.user("hi")).cached());
        assertEquals(List.of(), marked(small));
        assertEquals(4096, AnthropicCache.minimumTokens("claude-haiku-4-5-20251001"));
        assertEquals(1024, AnthropicCache.minimumTokens("claude-sonnet-4-5"));
    }

    @Test
    void inAToolLoopTheLastToolResultIsMarked() throws Exception {
        LlmMessage call = TestRequests.assistant(new Part.Text("checking " + "x".repeat(8000)),
                                                 new Part.ToolCall("toolu_1", "node_status", "{\"node\":\"pve2\"}"));
        JsonNode body = body(TestRequests.request("claude-sonnet-4-5").tools(TestRequests.nodeStatus())
                                     .messages(LlmMessage.user("is pve2 up?"), call,
                                               TestRequests.user(TestRequests.result("toolu_1", "node_status", "up")))
                                     .cached());
        assertEquals(List.of("message 2 tool_result"), marked(body));
    }

    @Test
    void withoutTheCacheSettingNothingIsMarked() throws Exception {
        JsonNode body = body(TestRequests.request("claude-sonnet-4-5").system(PERSONA).tools(TestRequests.nodeStatus())
                                     .messages(conversation(3)));
        assertEquals(List.of(), marked(body));
        assertFalse(body.toString().contains("cache_control"));
        assertTrue(body.path("system").isTextual(), "one system block stays a string");
    }
}
