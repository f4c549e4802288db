package haia.openai;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import haia.chat.RequestRefused;
import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.ResponseFormat;
import haia.llm.ToolChoice;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/responses} bodies read into HAIA's terms, and every refusal naming its field. */
class ResponsesParserTest {

    private final ResponsesParser parser = new ResponsesParser(100_000, 1 << 20);
    private static final InputItemsParser.References NONE = id -> Optional.empty();

    private ResponsesRequest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), NONE);
    }

    private InvalidRequestException refused(String json) {
        return assertThrows(InvalidRequestException.class, () -> parse(json));
    }

    @Test
    void aStringInputIsOneUserMessageAndTheDefaultsAreOpenAis() {
        ResponsesRequest request = parse("{\"model\":\"haia\",\"input\":\"hi\",\"instructions\":\"be brief\"}");
        assertEquals(List.of(LlmMessage.user("hi")), request.messages());
        assertEquals(List.of("be brief"), request.system());
        assertTrue(request.store(), "stored unless the client says not");
        assertFalse(request.stream());
        assertEquals("be brief", request.echo().path("instructions").asText());
        assertEquals("auto", request.echo().path("tool_choice").asText());
        assertEquals("text", request.echo().path("text").path("format").path("type").asText());
        assertTrue(request.echo().path("parallel_tool_calls").asBoolean());
    }

    @Test
    void itemsBecomeTurns() {
        ResponsesRequest request = parse("""
                {"model":"haia","input":[
                  {"role":"developer","content":"answer in English"},
                  {"role":"user","content":[{"type":"input_text","text":"is pve2 up?"}]},
                  {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"check it"}]},
                  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
                  {"type":"function_call","call_id":"call_1","name":"node_status","arguments":"{}"},
                  {"type":"function_call_output","call_id":"call_1","output":"online"}],
                 "tools":[{"type":"function","name":"node_status","parameters":{"type":"object"}}],
                 "tool_choice":{"type":"function","name":"node_status"},
                 "text":{"format":{"type":"json_schema","name":"state","schema":{"type":"object"},"strict":true}},
                 "reasoning":{"effort":"low","summary":"auto"},"max_output_tokens":300,"metadata":{"k":"v"}}""");
        assertEquals(List.of("answer in English"), request.system());
        List<LlmMessage> messages = request.messages();
        assertEquals(3, messages.size());
        assertEquals(LlmMessage.Role.ASSISTANT, messages.get(1).role());
        List<Part> assistant = messages.get(1).parts();
        assertInstanceOf(Part.Thinking.class, assistant.get(0));
        assertEquals("client", ((Part.Thinking) assistant.get(0)).provider(), "a client's reasoning goes to no provider");
        assertEquals(new Part.Text("Checking."), assistant.get(1));
        assertEquals(new Part.ToolCall("call_1", "node_status", "{}"), assistant.get(2));
        Part.ToolResult result = (Part.ToolResult) messages.get(2).parts().getFirst();
        assertEquals("node_status", result.toolName(), "named after the call it answers");
        assertTrue(request.unansweredCalls().isEmpty());
        assertEquals(new ToolChoice.Named("node_status"), request.tools().choice());
        assertEquals(Optional.of(true), request.tools().tools().getFirst().strict(), "strict unless said otherwise");
        assertInstanceOf(ResponseFormat.JsonSchema.class, request.format());
        assertEquals(300, request.maxOutputTokens().getAsInt());
        assertEquals("v", request.echo().path("metadata").path("k").asText());
    }

    @Test
    void aToolOutputWithoutItsCallMustAnswerThePreviousResponse() {
        ResponsesRequest request = parse("{\"model\":\"haia\",\"previous_response_id\":\"resp_1\",\"input\":["
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_9\",\"output\":\"done\"}]}");
        assertEquals(java.util.Set.of("call_9"), request.unansweredCalls());
        assertEquals(Optional.of("resp_1"), request.previousResponseId());
    }

    @Test
    void anItemReferenceIsTheStoredItem() {
        ResponseItems.Item stored = new ResponseItems.FunctionCall("fc_x_0", new Part.ToolCall("call_1", "f", "{}"));
        ResponsesRequest request = parser.parse(("{\"model\":\"haia\",\"input\":[{\"role\":\"user\",\"content\":\"q\"},"
                + "{\"type\":\"item_reference\",\"id\":\"fc_x_0\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"r\"}],"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"f\"}]}").getBytes(StandardCharsets.UTF_8),
                                                id -> id.equals("fc_x_0") ? Optional.of(stored) : Optional.empty());
        assertEquals(List.of(new Part.ToolCall("call_1", "f", "{}")), request.messages().get(1).parts());
        assertTrue(request.unansweredCalls().isEmpty());
        InvalidRequestException missing = refused("{\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_nope_1\"}]}");
        assertEquals("input[0].id", missing.param().orElseThrow());
    }

    @Test
    void whatHaiaCannotHonourIsRefusedByName() {
        for (String[] field : List.of(
                new String[] {"\"background\":true", "background"},
                new String[] {"\"conversation\":\"conv_1\"", "conversation"},
                new String[] {"\"prompt\":{\"id\":\"p\"}", "prompt"},
                new String[] {"\"max_tool_calls\":3", "max_tool_calls"},
                new String[] {"\"top_logprobs\":2", "top_logprobs"},
                new String[] {"\"text\":{\"verbosity\":\"low\"}", "text.verbosity"},
                new String[] {"\"tools\":[{\"type\":\"web_search\"}]", "tools[0].type"},
                new String[] {"\"tools\":[{\"type\":\"function\",\"name\":\"haia_x\"}]", "tools[0].name"},
                new String[] {"\"tools\":[{\"type\":\"function\",\"name\":\"a\"},{\"type\":\"function\",\"name\":\"a\"}]",
                              "tools[1].name"},
                new String[] {"\"tools\":[{\"type\":\"function\",\"name\":\"a\",\"parameters\":[]}]",
                              "tools[0].parameters"},
                new String[] {"\"include\":[\"message.output_text.logprobs\"]", "include"},
                new String[] {"\"stream_options\":{}", "stream_options"},
                new String[] {"\"temperature\":3", "temperature"},
                new String[] {"\"colour\":\"blue\"", "colour"})) {
            InvalidRequestException e = refused("{\"model\":\"haia\",\"input\":\"hi\"," + field[0] + "}");
            assertEquals(field[1], e.param().orElseThrow(), field[0] + ": " + e.getMessage());
        }
        assertEquals("input[0].type", refused("{\"input\":[{\"type\":\"web_search_call\",\"id\":\"ws\"}]}").param()
                .orElseThrow());
        assertEquals("input[0].content[0].type", refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_file\",\"file_id\":\"f\"}]}]}").param().orElseThrow());
        assertEquals("input", refused("{\"input\":[{\"role\":\"assistant\",\"content\":\"prefill\"}]}").param()
                .orElseThrow(), "HAIA answers input, it does not continue a reply");
        assertEquals("input[0].name", refused("{\"input\":[{\"type\":\"mcp_call\",\"id\":\"m\",\"name\":\"web\","
                + "\"server_label\":\"x\",\"arguments\":\"{}\"}]}").param().orElseThrow());
    }

    /** The pipeline's refusals name chat completion fields; a Responses client reads its own. */
    @Test
    void aModelsRefusalIsRetoldInTheResponsesFields() {
        for (String[] names : List.of(new String[] {"messages", "input"},
                                      new String[] {"reasoning_effort", "reasoning.effort"},
                                      new String[] {"response_format", "text.format"},
                                      new String[] {"tools[2].function.name", "tools[2].name"},
                                      new String[] {"temperature", "temperature"})) {
            RuntimeException told = ResponsesParser.inItsTerms(new RequestRefused(names[0], "leave " + names[0]
                    + " out"));
            RequestRefused refused = assertInstanceOf(RequestRefused.class, told);
            assertEquals(names[1], refused.param());
        }
        RuntimeException told = ResponsesParser.inItsTerms(new RequestRefused("response_format", "Claude cannot use"
                + " extended thinking (reasoning_effort) together with response_format: response_format.json_schema"
                + ".schema must have type object"));
        assertEquals("Claude cannot use extended thinking (reasoning.effort) together with text.format: "
                             + "text.format.schema must have type object", told.getMessage());
        IllegalStateException other = new IllegalStateException("x");
        assertEquals(other, ResponsesParser.inItsTerms(other));
    }
}
