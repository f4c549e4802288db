package haia.llm.anthropic;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

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
import haia.llm.Sampling;
import haia.llm.TestRequests;
import haia.llm.ToolChoice;
import haia.llm.UpstreamHead;
import haia.testing.AnthropicRules;

import org.junit.jupiter.api.Test;

import static haia.llm.TestRequests.assistant;
import static haia.llm.TestRequests.request;
import static haia.llm.TestRequests.result;
import static haia.llm.TestRequests.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anthropic's mapping of parts: images, tools (blocking, streamed, parallel), thinking and structured output. Every
 * request body is also held against the rules the fake Anthropic enforces ({@link AnthropicRules}).
 */
class AnthropicPartsTest {

    private static final Map<String, String> HEADERS = Map.of("x-api-key", "k", "anthropic-version", "2023-06-01",
                                                              "content-type", "application/json");

    private final AnthropicProtocol protocol = new AnthropicProtocol(
            RecordedStream.provider("anthropic", "https://api.anthropic.com", "k", Map.of()));

    private JsonNode body(LlmRequest request) throws Exception {
        JsonNode body = ProtocolJson.READER.readTree(protocol.request(request, false).body());
        assertEquals(List.of(), AnthropicRules.check(HEADERS, body, "k"), body.toString());
        return body;
    }

    private static Part.ToolCall call(String id, String arguments) {
        return new Part.ToolCall(id, "node_status", arguments);
    }

    @Test
    void imagesAreBase64BlocksOrUrls() throws Exception {
        JsonNode body = body(request("claude-haiku-4-5").messages(user(new Part.Text("what is this?"), TestRequests.png(),
                new Part.Image(new Part.Image.Url(java.net.URI.create("https://example.com/a.jpg"))))).build());
        JsonNode content = body.path("messages").get(0).path("content");
        assertEquals("text", content.get(0).path("type").asText());
        assertEquals("base64", content.get(1).path("source").path("type").asText());
        assertEquals("image/png", content.get(1).path("source").path("media_type").asText());
        assertTrue(content.get(1).path("source").path("data").asText().startsWith("iVBORw0KGgo"));
        assertEquals("https://example.com/a.jpg", content.get(2).path("source").path("url").asText());
    }

    @Test
    void aToolLoopPairsToolUseWithResultsFirstAndCleansForeignIds() throws Exception {
        JsonNode body = body(request("claude-haiku-4-5").tools(TestRequests.nodeStatus()).parallel(false)
                .messages(LlmMessage.user("status of pve1 and pve2?"),
                          assistant(new Part.Text("Checking."), call("functions.node_status:0", "{\"node\":\"pve1\"}"),
                                    call("call_2", "")),
                          user(result("functions.node_status:0", "node_status", "pve1 online"),
                               new Part.ToolResult("call_2", "node_status", List.of(), true),
                               new Part.Text("and be quick")))
                .build());
        JsonNode tool = body.path("tools").get(0);
        assertEquals("node_status", tool.path("name").asText());
        assertEquals("object", tool.path("input_schema").path("type").asText());
        assertEquals("auto", body.path("tool_choice").path("type").asText());
        assertTrue(body.path("tool_choice").path("disable_parallel_tool_use").asBoolean());
        JsonNode calls = body.path("messages").get(1).path("content");
        assertEquals("tool_use", calls.get(1).path("type").asText());
        assertEquals("pve1", calls.get(1).path("input").path("node").asText());
        assertTrue(calls.get(2).path("input").isObject() && calls.get(2).path("input").isEmpty(), "no arguments: {}");
        JsonNode results = body.path("messages").get(2).path("content");
        assertEquals(calls.get(1).path("id").asText(), results.get(0).path("tool_use_id").asText(),
                     "the same clean id in the call and its result");
        assertTrue(calls.get(1).path("id").asText().matches("[a-zA-Z0-9_-]+"));
        assertTrue(results.get(1).path("is_error").asBoolean());
        assertEquals("text", results.get(2).path("type").asText(), "the user's text after the results");
    }

    @Test
    void toolChoicesMapOntoAnthropics() throws Exception {
        assertEquals("any", body(request("m").tools(TestRequests.nodeStatus()).choice(ToolChoice.REQUIRED)
                                         .messages(LlmMessage.user("q")).build()).path("tool_choice").path("type").asText());
        assertEquals("none", body(request("m").tools(TestRequests.nodeStatus()).choice(ToolChoice.NONE)
                                          .messages(LlmMessage.user("q")).build()).path("tool_choice").path("type").asText());
        JsonNode named = body(request("m").tools(TestRequests.nodeStatus()).choice(new ToolChoice.Named("node_status"))
                                      .messages(LlmMessage.user("q")).build()).path("tool_choice");
        assertEquals("tool", named.path("type").asText());
        assertEquals("node_status", named.path("name").asText());
    }

    /** Parallel calls in a blocking reply: each a tool call part with its input as JSON text. */
    @Test
    void aReplyWithParallelToolUseIsToolCallParts() throws Exception {
        LlmResponse response = protocol.reply(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of()),
                """
                {"content":[{"type":"text","text":"Checking both."},
                  {"type":"tool_use","id":"toolu_1","name":"node_status","input":{"node":"pve1"}},
                  {"type":"tool_use","id":"toolu_2","name":"node_status","input":{"node":"pve2"}}],
                 "stop_reason":"tool_use","model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":9}}"""
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(FinishReason.TOOL_CALLS, response.finishReason());
        assertEquals("Checking both.", response.text());
        assertEquals(List.of(new Part.ToolCall("toolu_1", "node_status", "{\"node\":\"pve1\"}"),
                             new Part.ToolCall("toolu_2", "node_status", "{\"node\":\"pve2\"}")), response.toolCalls());
    }

    /** The SDK's recorded tool stream: a placeholder input, then partial JSON pieces, the first one empty. */
    @Test
    void aStreamedToolUseBecomesToolCallDeltasNamedFirst() {
        RecordedStream.Decoded decoded = RecordedStream.decode("anthropic",
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.sse(
                        "message_start", "{\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me check.\"}}",
                        "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01NRLabsLyVHZPKxbKvkfSMn\",\"name\":\"get_weather\",\"caller\":{\"type\":\"direct\"},\"input\":{}}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"locati\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"on\\\": \\\"Paris\\\"}\"}}",
                        "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"get_time\",\"input\":{}}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}",
                        "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}",
                        "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":65}}",
                        "message_stop", "{\"type\":\"message_stop\"}"));
        assertEquals(List.of(new LlmEvent.TextDelta("Let me check."),
                             new LlmEvent.ToolCallDelta(0, Optional.of("toolu_01NRLabsLyVHZPKxbKvkfSMn"),
                                                        Optional.of("get_weather"), ""),
                             new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "{\"locati"),
                             new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "on\": \"Paris\"}"),
                             new LlmEvent.ToolCallDelta(1, Optional.of("toolu_2"), Optional.of("get_time"), "")),
                     decoded.events().subList(0, 5));
        LlmResponse response = decoded.response();
        assertEquals(FinishReason.TOOL_CALLS, response.finishReason());
        assertEquals(List.of(new Part.ToolCall("toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", "{\"location\": \"Paris\"}"),
                             new Part.ToolCall("toolu_2", "get_time", "{}")), response.toolCalls(),
                     "a call whose input streamed only \"\" takes no arguments: {}");
    }

    @Test
    void reasoningTurnsOnThinkingWithABudgetOnTopOfTheAnswersTokens() throws Exception {
        JsonNode body = body(request("claude-sonnet-4-5").reasoning(ReasoningEffort.MEDIUM).maxTokens(4096)
                                     .messages(LlmMessage.user("why is ceph slow?")).build());
        assertEquals("enabled", body.path("thinking").path("type").asText());
        assertEquals(8192, body.path("thinking").path("budget_tokens").asInt());
        assertEquals(4096 + 8192, body.path("max_tokens").asInt());
        assertFalse(body.has("temperature"));
        assertFalse(request("m").reasoning(ReasoningEffort.NONE).messages(LlmMessage.user("q")).build().thinks());
    }

    /** Thinking goes back unchanged, and only Claude's own; a tool loop HAIA has no thinking for runs without. */
    @Test
    void thinkingBlocksGoBackUnchangedInAToolLoopOrThinkingIsOffForTheTurn() throws Exception {
        Part.Thinking ours = new Part.Thinking("I should check pve1.", Optional.of(AnthropicRules.signature(
                "I should check pve1.")), Optional.empty(), "anthropic");
        Part.Thinking foreign = new Part.Thinking("gemini thoughts", Optional.of("gsig"), Optional.empty(), "gemini");
        LlmRequest loop = request("claude-sonnet-4-5").reasoning(ReasoningEffort.LOW).tools(TestRequests.nodeStatus())
                .messages(LlmMessage.user("status of pve1?"),
                          assistant(ours, foreign, call("toolu_1", "{\"node\":\"pve1\"}")),
                          user(result("toolu_1", "node_status", "online"))).build();
        JsonNode body = body(loop);
        JsonNode blocks = body.path("messages").get(1).path("content");
        assertEquals("thinking", blocks.get(0).path("type").asText());
        assertEquals("I should check pve1.", blocks.get(0).path("thinking").asText());
        assertEquals(2, blocks.size(), "gemini's thinking is not Claude's: left out");
        assertTrue(body.has("thinking"));

        LlmRequest withoutThinking = request("claude-sonnet-4-5").reasoning(ReasoningEffort.LOW)
                .tools(TestRequests.nodeStatus())
                .messages(LlmMessage.user("status of pve1?"), assistant(call("toolu_1", "{\"node\":\"pve1\"}")),
                          user(result("toolu_1", "node_status", "online"))).build();
        assertFalse(body(withoutThinking).has("thinking"), "no thinking block for the loop's tool use: off this turn");
    }

    @Test
    void aStreamedThinkingBlockIsReasoningDeltasAndASignedThinkingPart() {
        RecordedStream.Decoded decoded = RecordedStream.decode("anthropic",
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.sse(
                        "message_start", "{\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":9}}}",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Quorum needs \"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"3 nodes.\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM\"}}",
                        "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}}",
                        "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"Add a qdevice.\"}}",
                        "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":30}}",
                        "message_stop", "{\"type\":\"message_stop\"}"));
        assertEquals(List.of(new LlmEvent.ThinkingDelta("Quorum needs "), new LlmEvent.ThinkingDelta("3 nodes."),
                             new LlmEvent.TextDelta("Add a qdevice.")), decoded.events().subList(0, 3));
        assertEquals(List.of(new Part.Thinking("Quorum needs 3 nodes.", Optional.of("EqQBCgIYAhIM"), Optional.empty(),
                                               "anthropic"),
                             new Part.Thinking("", Optional.empty(), Optional.of("EmwKAhgB"), "anthropic"),
                             new Part.Text("Add a qdevice.")), decoded.response().parts());
    }

    /** Structured output: a forced call of the answer tool, whose input is the reply's text, blocking and streamed. */
    @Test
    void jsonOutputIsAForcedAnswerToolWhoseInputIsTheReply() throws Exception {
        ResponseFormat schema = new ResponseFormat.JsonSchema("node", Optional.of("a node's state"), TestRequests.json(
                "{\"type\":\"object\",\"properties\":{\"online\":{\"type\":\"boolean\"}},\"required\":[\"online\"]}"),
                                                              Optional.of(true));
        JsonNode body = body(request("m").format(schema).messages(LlmMessage.user("is pve1 up?")).build());
        assertEquals(AnthropicRequests.ANSWER_TOOL, body.path("tools").get(0).path("name").asText());
        assertEquals("boolean", body.path("tools").get(0).path("input_schema").path("properties").path("online")
                .path("type").asText());
        assertEquals("tool", body.path("tool_choice").path("type").asText());
        assertEquals(AnthropicRequests.ANSWER_TOOL, body.path("tool_choice").path("name").asText());
        JsonNode withTools = body(request("m").format(ResponseFormat.JSON_OBJECT).tools(TestRequests.nodeStatus())
                                          .messages(LlmMessage.user("is pve1 up?")).build());
        assertEquals("any", withTools.path("tool_choice").path("type").asText(), "a client tool now, or the answer");

        LlmResponse blocking = protocol.reply(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of()),
                ("{\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"" + AnthropicRequests.ANSWER_TOOL
                        + "\",\"input\":{\"online\":true}}],\"stop_reason\":\"tool_use\",\"usage\":{}}")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new Part.Text("{\"online\":true}")), blocking.parts());
        assertEquals(FinishReason.STOP, blocking.finishReason());

        RecordedStream.Decoded streamed = RecordedStream.decode("anthropic",
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.sse(
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"" + AnthropicRequests.ANSWER_TOOL + "\",\"input\":{}}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"onli\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"ne\\\": true}\"}}",
                        "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":5}}",
                        "message_stop", "{\"type\":\"message_stop\"}"));
        assertEquals(List.of(new LlmEvent.TextDelta("{\"onli"), new LlmEvent.TextDelta("ne\": true}")),
                     streamed.events().subList(0, 2));
        assertEquals("{\"online\": true}", streamed.response().text());
        assertEquals(FinishReason.STOP, streamed.response().finishReason());
    }

    @Test
    void combinationsClaudeRefusesAreProblemsBeforeTheCall() {
        List<String> params = new ArrayList<>();
        for (LlmRequest request : List.of(
                request("m").reasoning(ReasoningEffort.HIGH).tools(TestRequests.nodeStatus()).choice(ToolChoice.REQUIRED)
                        .messages(LlmMessage.user("q")).build(),
                request("m").reasoning(ReasoningEffort.HIGH).format(ResponseFormat.JSON_OBJECT)
                        .messages(LlmMessage.user("q")).build(),
                request("m").reasoning(ReasoningEffort.HIGH).sampling(Sampling.DEFAULT.withTemperature(OptionalDouble.of(0.2)))
                        .messages(LlmMessage.user("q")).build())) {
            params.add(protocol.problem(request).orElseThrow().param());
        }
        assertEquals(List.of("tool_choice", "response_format", "temperature"), params);
        assertEquals(Optional.empty(), protocol.problem(request("m").reasoning(ReasoningEffort.HIGH)
                                                                .messages(LlmMessage.user("q")).build()));
    }
}
