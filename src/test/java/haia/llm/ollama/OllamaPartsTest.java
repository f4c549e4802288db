package haia.llm.ollama;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.FinishReason;
import haia.llm.LlmEvent;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.ReasoningEffort;
import haia.llm.RecordedStream;
import haia.llm.ResponseFormat;
import haia.llm.TestRequests;
import haia.llm.ToolChoice;
import haia.llm.UpstreamHead;
import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static haia.llm.TestRequests.assistant;
import static haia.llm.TestRequests.request;
import static haia.llm.TestRequests.result;
import static haia.llm.TestRequests.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ollama's mapping of parts: images, tools (blocking, streamed, parallel), thinking, structured output. */
class OllamaPartsTest {

    private final OllamaProtocol protocol = new OllamaProtocol(
            RecordedStream.provider("ollama", "http://gpu-box:11434", null, Map.of()));

    private JsonNode body(LlmRequest request) throws Exception {
        return ProtocolJson.READER.readTree(protocol.request(request, false).body());
    }

    @Test
    void imagesAreBareBase64AndToolResultsAreToolMessagesNamingTheTool() throws Exception {
        JsonNode body = body(request("qwen2.5vl").tools(TestRequests.nodeStatus()).messages(
                user(new Part.Text("what is on screen?"), TestRequests.png()),
                assistant(new Part.Thinking("check pve1", Optional.empty(), Optional.empty(), "ollama"),
                          new Part.ToolCall("call_1", "node_status", "{\"node\":\"pve1\"}")),
                user(result("call_1", "node_status", "pve1: online"))).build());
        JsonNode messages = body.path("messages");
        assertEquals("what is on screen?", messages.get(1).path("content").asText());
        assertTrue(messages.get(1).path("images").get(0).asText().startsWith("iVBORw0KGgo"), "bare base64, no data URL");
        JsonNode call = messages.get(2).path("tool_calls").get(0).path("function");
        assertEquals("pve1", call.path("arguments").path("node").asText(), "an object, not a string");
        assertEquals("check pve1", messages.get(2).path("thinking").asText(), "thinking back in the current turn");
        assertEquals("tool", messages.get(3).path("role").asText());
        assertEquals("node_status", messages.get(3).path("tool_name").asText());
        assertEquals("pve1: online", messages.get(3).path("content").asText());
        assertEquals("node_status", body.path("tools").get(0).path("function").path("name").asText());
    }

    @Test
    void structuredOutputAndReasoningAreFormatAndThink() throws Exception {
        JsonNode schema = body(request("qwen3").format(new ResponseFormat.JsonSchema("n", Optional.empty(),
                TestRequests.json("{\"type\":\"object\"}"), Optional.empty())).reasoning(ReasoningEffort.HIGH)
                                       .messages(LlmMessage.user("q")).build());
        assertEquals("object", schema.path("format").path("type").asText());
        assertEquals("high", schema.path("think").asText());
        JsonNode json = body(request("qwen3").format(ResponseFormat.JSON_OBJECT).reasoning(ReasoningEffort.NONE)
                                     .messages(LlmMessage.user("q")).build());
        assertEquals("json", json.path("format").asText());
        assertFalse(json.path("think").asBoolean(true));
        assertFalse(body(request("qwen3").tools(TestRequests.nodeStatus()).choice(ToolChoice.NONE)
                                 .messages(LlmMessage.user("q")).build()).has("tools"), "tools it must not call: none");
        assertEquals("tool_choice", protocol.problem(request("qwen3").tools(TestRequests.nodeStatus())
                .choice(ToolChoice.REQUIRED).messages(LlmMessage.user("q")).build()).orElseThrow().param());
    }

    /** Ollama ends a tool turn with "stop"; the calls make it tool_calls. Ids may be missing: HAIA makes them. */
    @Test
    void parallelToolCallsInABlockingReplyGetIdsAndFinishAsToolCalls() throws Exception {
        LlmResponse response = protocol.reply(TestRequests.of("qwen3", "s", LlmMessage.user("q")),
                new UpstreamHead(200, Map.of()), """
                {"model":"qwen3","message":{"role":"assistant","content":"","thinking":"two nodes",
                  "tool_calls":[{"function":{"name":"node_status","arguments":{"node":"pve1"}}},
                                {"id":"call_k3j9x0ab","function":{"index":1,"name":"node_status","arguments":{"node":"pve2"}}}]},
                 "done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":9}"""
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(FinishReason.TOOL_CALLS, response.finishReason());
        assertEquals(new Part.Thinking("two nodes", Optional.empty(), Optional.empty(), "ollama"), response.parts().getFirst());
        assertTrue(response.toolCalls().get(0).id().startsWith("call_"));
        assertEquals(new Part.ToolCall("call_k3j9x0ab", "node_status", "{\"node\":\"pve2\"}"), response.toolCalls().get(1));
        assertEquals(new Usage(5, 9), response.usage(), "eval_count counts the thinking too, with no figure of its own");
    }

    @Test
    void aStreamedToolTurnIsThinkingThenWholeCalls() {
        RecordedStream.Decoded decoded = RecordedStream.decode("ollama",
                protocol.decoder(TestRequests.of("qwen3", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                """
                {"model":"qwen3","message":{"role":"assistant","content":"","thinking":"Need "},"done":false}
                {"model":"qwen3","message":{"role":"assistant","content":"","thinking":"weather."},"done":false}
                {"model":"qwen3","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_k3j9x0ab","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}
                {"model":"qwen3","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":30}
                """);
        assertEquals(List.of(new LlmEvent.ThinkingDelta("Need "), new LlmEvent.ThinkingDelta("weather."),
                             new LlmEvent.ToolCallDelta(0, Optional.of("call_k3j9x0ab"), Optional.of("get_weather"), ""),
                             new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "{\"city\":\"Tokyo\"}")),
                     decoded.events().subList(0, 4));
        assertEquals(FinishReason.TOOL_CALLS, decoded.response().finishReason());
        assertEquals(new Usage(26, 30), decoded.response().usage(), "no reasoning figure: 0, not an invented one");
    }
}
