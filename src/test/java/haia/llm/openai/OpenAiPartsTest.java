package haia.llm.openai;

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

import org.junit.jupiter.api.Test;

import static haia.llm.TestRequests.assistant;
import static haia.llm.TestRequests.request;
import static haia.llm.TestRequests.result;
import static haia.llm.TestRequests.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Chat Completions mapping of parts: passed through, as OpenAI's own API takes them. */
class OpenAiPartsTest {

    private final OpenAiProtocol protocol = new OpenAiProtocol(
            RecordedStream.provider("openai", "http://desk:1234/v1", null, Map.of()));

    private JsonNode body(LlmRequest request) throws Exception {
        return ProtocolJson.READER.readTree(protocol.request(request, false).body());
    }

    @Test
    void partsToolsFormatAndEffortPassThrough() throws Exception {
        JsonNode body = body(request("qwen").tools(TestRequests.nodeStatus()).choice(new ToolChoice.Named("node_status"))
                .parallel(false).format(ResponseFormat.JSON_OBJECT).reasoning(ReasoningEffort.LOW).messages(
                        user(new Part.Text("see"), TestRequests.png()),
                        assistant(new Part.Thinking("r", Optional.empty(), Optional.empty(), "openai"),
                                  new Part.ToolCall("call_1", "node_status", "{\"node\":\"pve1\"}")),
                        user(result("call_1", "node_status", "online"), new Part.Text("thanks"))).build());
        JsonNode messages = body.path("messages");
        assertEquals("image_url", messages.get(1).path("content").get(1).path("type").asText());
        assertTrue(messages.get(1).path("content").get(1).path("image_url").path("url").asText()
                           .startsWith("data:image/png;base64,iVBOR"));
        assertTrue(messages.get(2).path("content").isNull(), "content null when the assistant only calls tools");
        assertEquals("{\"node\":\"pve1\"}", messages.get(2).path("tool_calls").get(0).path("function").path("arguments")
                .asText(), "arguments as a string");
        assertEquals("r", messages.get(2).path("reasoning_content").asText());
        assertEquals("tool", messages.get(3).path("role").asText());
        assertEquals("call_1", messages.get(3).path("tool_call_id").asText());
        assertEquals("thanks", messages.get(4).path("content").asText());
        assertEquals("node_status", body.path("tool_choice").path("function").path("name").asText());
        assertEquals(false, body.path("parallel_tool_calls").asBoolean(true));
        assertEquals("json_object", body.path("response_format").path("type").asText());
        assertEquals("low", body.path("reasoning_effort").asText());
    }

    @Test
    void aBlockingReplyCarriesReasoningAndToolCalls() throws Exception {
        LlmResponse response = protocol.reply(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of()),
                """
                {"id":"chatcmpl-1","model":"deepseek","choices":[{"index":0,"finish_reason":"tool_calls","message":{
                  "role":"assistant","content":null,"reasoning_content":"pve1 first",
                  "tool_calls":[{"id":"call_a","type":"function","function":{"name":"node_status","arguments":"{\\"node\\":\\"pve1\\"}"}},
                                {"id":"call_b","type":"function","function":{"name":"node_status","arguments":"{\\"node\\":\\"pve2\\"}"}}]}}],
                 "usage":{"prompt_tokens":3,"completion_tokens":4}}""".getBytes(StandardCharsets.UTF_8));
        assertEquals(FinishReason.TOOL_CALLS, response.finishReason());
        assertEquals("pve1 first", ((Part.Thinking) response.parts().getFirst()).text());
        assertEquals(List.of("call_a", "call_b"), response.toolCalls().stream().map(Part.ToolCall::id).toList());
    }

    /** The recorded gpt-5-mini stream shape (tools.md §2); vLLM's "reasoning" name; a server reusing index 0. */
    @Test
    void streamedToolCallsAndReasoningAreAssembled() {
        RecordedStream.Decoded decoded = RecordedStream.decode("openai",
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.data(
                        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning\":\"Two calls.\"}}]}",
                        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_TMbE\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}",
                        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":null,\"type\":null,\"function\":{\"name\":null,\"arguments\":\"{\\\"\"}}]}}]}",
                        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"city\\\":\\\"Oslo\\\"}\"}}]}}]}",
                        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_X2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}}]}",
                        "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
                        "[DONE]"));
        assertEquals(List.of(new LlmEvent.ThinkingDelta("Two calls."),
                             new LlmEvent.ToolCallDelta(0, Optional.of("call_TMbE"), Optional.of("get_weather"), ""),
                             new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "{\""),
                             new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "city\":\"Oslo\"}"),
                             new LlmEvent.ToolCallDelta(1, Optional.of("call_X2"), Optional.of("get_time"), ""),
                             new LlmEvent.ToolCallDelta(1, Optional.empty(), Optional.empty(), "{}")),
                     decoded.events().subList(0, 6));
        assertEquals(List.of(new Part.ToolCall("call_TMbE", "get_weather", "{\"city\":\"Oslo\"}"),
                             new Part.ToolCall("call_X2", "get_time", "{}")), decoded.response().toolCalls());
        assertEquals(FinishReason.TOOL_CALLS, decoded.response().finishReason());
    }
}
