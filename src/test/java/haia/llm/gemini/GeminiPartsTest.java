package haia.llm.gemini;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
import haia.llm.ToolDefinition;
import haia.llm.UpstreamHead;

import org.junit.jupiter.api.Test;

import static haia.llm.TestRequests.assistant;
import static haia.llm.TestRequests.request;
import static haia.llm.TestRequests.result;
import static haia.llm.TestRequests.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gemini's mapping of parts: inline images, function calling in its schema subset, thoughts and signatures. */
class GeminiPartsTest {

    private final GeminiProtocol protocol = new GeminiProtocol(
            RecordedStream.provider("gemini", "https://generativelanguage.googleapis.com", "k", Map.of()));

    private JsonNode body(LlmRequest request) throws Exception {
        return ProtocolJson.READER.readTree(protocol.request(request, false).body());
    }

    /** Keys Gemini's Schema knows; anything else in a schema is a 400 there. */
    private static void onlyGeminiKeys(JsonNode schema) {
        schema.fieldNames().forEachRemaining(key -> assertTrue(GeminiSchema.KEYS.contains(key), key + " in " + schema));
        schema.path("properties").forEach(GeminiPartsTest::onlyGeminiKeys);
        if (schema.has("items")) {
            onlyGeminiKeys(schema.get("items"));
        }
        schema.path("anyOf").forEach(GeminiPartsTest::onlyGeminiKeys);
    }

    @Test
    void aToolLoopIsFunctionCallsAndResponsesWithSignaturesBackAndSchemasInGeminisSubset() throws Exception {
        ToolDefinition rich = new ToolDefinition("vm_status", "", TestRequests.json("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":false,
                 "properties":{"vmid":{"type":"integer","exclusiveMinimum":99},"kind":{"const":"qemu"},
                   "tags":{"type":"array","items":{"type":"string"},"uniqueItems":true},
                   "node":{"$ref":"#/$defs/node"},"note":{"type":["string","null"]},
                   "mode":{"oneOf":[{"type":"string","enum":["fast","full"]},{"type":"null"}]}},
                 "required":["vmid"],"$defs":{"node":{"type":"string","format":"hostname"}}}"""), Optional.empty());
        JsonNode body = body(request("gemini-2.5-flash").tools(rich, TestRequests.nodeStatus())
                .choice(new ToolChoice.Named("vm_status")).messages(
                        user(new Part.Text("look"), TestRequests.png()),
                        assistant(new Part.Thinking("", Optional.of("sig-1"), Optional.empty(), "gemini"),
                                  new Part.ToolCall("call_1", "vm_status", "{\"vmid\":101}"),
                                  new Part.ToolCall("call_2", "node_status", "{\"node\":\"pve1\"}")),
                        user(result("call_1", "vm_status", "running"),
                             new Part.ToolResult("call_2", "node_status", List.of(new Part.Text("timeout")), true)))
                .build());
        JsonNode contents = body.path("contents");
        assertEquals("image/png", contents.get(0).path("parts").get(1).path("inlineData").path("mimeType").asText());
        JsonNode call = contents.get(1).path("parts").get(0);
        assertEquals("vm_status", call.path("functionCall").path("name").asText());
        assertEquals(101, call.path("functionCall").path("args").path("vmid").asInt());
        assertEquals("sig-1", call.path("thoughtSignature").asText(), "the signature back on the call it came with");
        assertFalse(contents.get(1).path("parts").get(1).has("thoughtSignature"));
        assertEquals("running", contents.get(2).path("parts").get(0).path("functionResponse").path("response")
                .path("output").asText());
        assertEquals("timeout", contents.get(2).path("parts").get(1).path("functionResponse").path("response")
                .path("error").asText());
        JsonNode declarations = body.path("tools").get(0).path("functionDeclarations");
        JsonNode parameters = declarations.get(0).path("parameters");
        onlyGeminiKeys(parameters);
        assertEquals("STRING", parameters.path("properties").path("node").path("type").asText(), "$ref inlined");
        assertTrue(parameters.path("properties").path("note").path("nullable").asBoolean());
        assertEquals(List.of("qemu"), List.of(parameters.path("properties").path("kind").path("enum").get(0).asText()));
        assertEquals(100, parameters.path("properties").path("vmid").path("minimum").asInt() + 1);
        assertEquals("ANY", body.path("toolConfig").path("functionCallingConfig").path("mode").asText());
        assertEquals("vm_status", body.path("toolConfig").path("functionCallingConfig").path("allowedFunctionNames")
                .get(0).asText());
    }

    @Test
    void structuredOutputAndThinkingAreGenerationConfig() throws Exception {
        JsonNode config = body(request("gemini-2.5-flash").reasoning(ReasoningEffort.MEDIUM)
                .format(new ResponseFormat.JsonSchema("n", Optional.empty(), TestRequests.json(
                        "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"ok\":{\"type\":\"boolean\"}}}"),
                                                      Optional.of(true)))
                .messages(LlmMessage.user("q")).build()).path("generationConfig");
        assertEquals("application/json", config.path("responseMimeType").asText());
        onlyGeminiKeys(config.path("responseSchema"));
        assertTrue(config.path("thinkingConfig").path("includeThoughts").asBoolean());
        assertEquals(8192, config.path("thinkingConfig").path("thinkingBudget").asInt());
        assertEquals("high", body(request("gemini-3-pro-preview").reasoning(ReasoningEffort.HIGH)
                                          .messages(LlmMessage.user("q")).build())
                .path("generationConfig").path("thinkingConfig").path("thinkingLevel").asText());
        assertEquals("tools[0].function.name", protocol.problem(request("m").tools(new ToolDefinition(
                "2fast", "", TestRequests.json("{\"type\":\"object\"}"), Optional.empty()))
                .messages(LlmMessage.user("q")).build()).orElseThrow().param());
    }

    /** Thoughts are reasoning when asked for, dropped otherwise; signatures are kept; calls get ids. */
    @Test
    void aReplyWithThoughtsAndSignedCallsKeepsTheSignatures() throws Exception {
        byte[] reply = """
                {"candidates":[{"content":{"role":"model","parts":[
                   {"text":"Checking pve1.","thought":true},
                   {"functionCall":{"name":"node_status","args":{"node":"pve1"}},"thoughtSignature":"CiQB0e2Kb"},
                   {"functionCall":{"name":"node_status","args":{"node":"pve2"}}}]},"finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3,"thoughtsTokenCount":4}}"""
                .getBytes(StandardCharsets.UTF_8);
        LlmResponse asked = protocol.reply(request("gemini-3-pro").reasoning(ReasoningEffort.LOW)
                                                   .messages(LlmMessage.user("q")).build(),
                                           new UpstreamHead(200, Map.of()), reply);
        assertEquals(FinishReason.TOOL_CALLS, asked.finishReason());
        assertEquals(new Part.Thinking("Checking pve1.", Optional.of("CiQB0e2Kb"), Optional.empty(), "gemini"),
                     asked.parts().getFirst());
        assertEquals(2, asked.toolCalls().size());
        assertEquals(Set.of(true), Set.of(asked.toolCalls().stream().allMatch(c -> c.id().startsWith("call_"))));
        LlmResponse unasked = protocol.reply(TestRequests.of("gemini-3-pro", "s", LlmMessage.user("q")),
                                             new UpstreamHead(200, Map.of()), reply);
        assertEquals(new Part.Thinking("", Optional.of("CiQB0e2Kb"), Optional.empty(), "gemini"),
                     unasked.parts().getFirst(), "thought text dropped, signature kept");
        assertEquals(7, unasked.usage().outputTokens());
    }

    @Test
    void aStreamedCallArrivesWholeAfterThoughts() {
        RecordedStream.Decoded decoded = RecordedStream.decode("gemini",
                protocol.decoder(request("gemini-2.5-flash").reasoning(ReasoningEffort.LOW).messages(LlmMessage.user("q"))
                                         .build(), new UpstreamHead(200, Map.of())),
                RecordedStream.data(
                        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hmm.\",\"thought\":true}]}}]}",
                        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"id\":\"fc_1\",\"name\":\"node_status\",\"args\":{\"node\":\"pve1\"}}}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2}}"));
        assertEquals(List.of(new LlmEvent.ThinkingDelta("Hmm."),
                             new LlmEvent.ToolCallDelta(0, Optional.of("fc_1"), Optional.of("node_status"), ""),
                             new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "{\"node\":\"pve1\"}")),
                     decoded.events().subList(0, 3));
        assertEquals(FinishReason.TOOL_CALLS, decoded.response().finishReason());
    }
}
