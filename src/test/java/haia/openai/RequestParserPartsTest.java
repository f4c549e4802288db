package haia.openai;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.TestRequests;
import haia.llm.ToolChoice;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI request read into parts, tools and settings; and every field HAIA cannot honour refused by name. */
class RequestParserPartsTest {

    private static final String PNG_URL = "data:image/png;base64," + Base64.getEncoder().encodeToString(TestRequests.PNG);
    private final RequestParser parser = new RequestParser(200_000, 1000);

    private ChatCompletionRequest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private InvalidRequestException refused(String json) {
        return assertThrows(InvalidRequestException.class, () -> parse(json));
    }

    @Test
    void textPartsAreJoinedAsOpenAiJoinsThemAndImagesKeepTheirPlace() {
        ChatCompletionRequest request = parse("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"text","text":" there"},
                  {"type":"image_url","image_url":{"url":"%s","detail":"high"}},{"type":"text","text":"!"},
                  {"type":"image_url","image_url":{"url":"https://example.com/x.png"}}]}]}""".formatted(PNG_URL));
        List<Part> parts = request.messages().getFirst().parts();
        assertEquals(new Part.Text("hi there"), parts.get(0), "no separator: OpenAI's own joining");
        assertEquals(new Part.Image(new Part.Image.Inline("image/png", TestRequests.PNG)), parts.get(1));
        assertEquals(new Part.Text("!"), parts.get(2));
        assertEquals(new Part.Image(new Part.Image.Url(java.net.URI.create("https://example.com/x.png"))), parts.get(3));
    }

    @Test
    void aBadImageIsA400NamingThePart() {
        assertTrue(refused("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,aGVsbG8="}}]}]}""")
                           .getMessage().contains("not a JPEG, PNG, GIF or WebP image"));
        InvalidRequestException notBase64 = refused("""
                {"messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"data:image/png;base64,!!!"}}]}]}""");
        assertEquals(Optional.of("messages[0].content[1].image_url.url"), notBase64.param());
        assertTrue(refused("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}""")
                           .getMessage().contains("data: URL or an http(s) URL"));
        String big = Base64.getEncoder().encodeToString(new byte[2000]);
        assertTrue(refused("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}]}"""
                                   .formatted(big)).getMessage().contains("HAIA_MAX_IMAGE_BYTES"));
        assertTrue(refused("""
                {"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}""")
                           .getMessage().contains("text and image_url parts"));
    }

    @Test
    void aClientToolRoundTripBecomesACallAndAResultInAUserTurn() {
        ChatCompletionRequest request = parse("""
                {"messages":[{"role":"user","content":"status?"},
                  {"role":"assistant","content":null,"refusal":null,"tool_calls":[
                     {"id":"call_1","type":"function","function":{"name":"node_status","arguments":"{\\"node\\":\\"pve1\\"}"}},
                     {"id":"call_2","type":"function","function":{"name":"node_status","arguments":"{\\"node\\":\\"pve2\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_2","content":"pve2 down"},
                  {"role":"tool","tool_call_id":"call_1","content":[{"type":"text","text":"pve1 "},{"type":"text","text":"up"}]}],
                 "tools":[{"type":"function","function":{"name":"node_status","parameters":{"type":"object"}}}],
                 "tool_choice":{"type":"function","function":{"name":"node_status"}},"parallel_tool_calls":false}""");
        assertEquals(List.of(new Part.ToolCall("call_1", "node_status", "{\"node\":\"pve1\"}"),
                             new Part.ToolCall("call_2", "node_status", "{\"node\":\"pve2\"}")),
                     request.messages().get(1).parts());
        assertEquals(LlmMessage.Role.USER, request.messages().get(2).role());
        assertEquals(TestRequests.result("call_2", "node_status", "pve2 down"), request.messages().get(2).parts().getFirst());
        assertEquals(TestRequests.result("call_1", "node_status", "pve1 up"), request.messages().get(3).parts().getFirst());
        assertEquals(new ToolChoice.Named("node_status"), request.tools().choice());
        assertEquals(Optional.of(false), request.tools().parallel());
    }

    @Test
    void toolMessagesMustAnswerACallOfTheAssistantMessageBefore() {
        assertTrue(refused("""
                {"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"x","content":"r"}]}""")
                           .getMessage().contains("must answer a tool call"));
        InvalidRequestException unknown = refused("""
                {"messages":[{"role":"user","content":"hi"},
                  {"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"t","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"b","content":"r"}]}""");
        assertEquals(Optional.of("messages[2].tool_call_id"), unknown.param());
    }

    @Test
    void toolsAreCheckedAndHaiasPrefixIsReserved() {
        InvalidRequestException reserved = refused("""
                {"messages":[{"role":"user","content":"hi"}],
                 "tools":[{"type":"function","function":{"name":"haia_pve_resources"}}]}""");
        assertEquals(Optional.of("tools[0].function.name"), reserved.param());
        assertTrue(reserved.getMessage().contains("reserved for HAIA's own tools"));
        assertEquals(Optional.of("tool_choice"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a"}}],
                 "tool_choice":{"type":"function","function":{"name":"b"}}}""").param());
        assertEquals(Optional.of("tool_choice"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""").param());
        assertEquals(Optional.of("tools[0].function.name"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a b"}}]}""")
                .param());
        assertEquals(Optional.of("tools[0].type"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"custom","custom":{"name":"a"}}]}""")
                .param());
        InvalidRequestException twice = refused("""
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a"}},
                 {"type":"function","function":{"name":"a"}}]}""");
        assertEquals(Optional.of("tools[1].function.name"), twice.param());
        assertEquals("tools[1].function.name 'a' is offered twice", twice.getMessage());
        assertEquals(Optional.of("tools[0].function.parameters"), refused("""
                {"messages":[{"role":"user","content":"hi"}],
                 "tools":[{"type":"function","function":{"name":"a","parameters":"none"}}]}""").param());
    }

    @Test
    void structuredOutputAndReasoningEffort() {
        ChatCompletionRequest request = parse("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"minimal",
                 "response_format":{"type":"json_schema","json_schema":{"name":"n","strict":true,"schema":{"type":"object"}}}}""");
        assertEquals(Optional.of(ReasoningEffort.MINIMAL), request.reasoning());
        assertEquals("n", ((ResponseFormat.JsonSchema) request.responseFormat()).name());
        assertEquals(Optional.of("reasoning_effort"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"reasoning_effort":"maximum"}""").param());
        assertEquals(Optional.of("response_format.type"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"yaml"}}""").param());
    }

    /** Nothing silently ignored: what OpenAI does not know is refused as OpenAI refuses it; some fields on purpose. */
    @Test
    void unknownAndUnsupportedFieldsAreRefusedByName() {
        InvalidRequestException unknown = refused("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"num_ctx\":8192}");
        assertEquals("Unrecognized request argument supplied: num_ctx", unknown.getMessage());
        assertEquals(Optional.of("num_ctx"), unknown.param());
        assertEquals(Optional.of("logit_bias"), refused("""
                {"messages":[{"role":"user","content":"hi"}],"logit_bias":{"50256":-100}}""").param());
        assertEquals(Optional.of("messages[0].weight"), refused("""
                {"messages":[{"role":"user","content":"hi","weight":1}]}""").param());
        ChatCompletionRequest accepted = parse("""
                {"messages":[{"role":"user","content":"hi"}],"metadata":{"a":"b"},"store":false,"seed":7,
                 "frequency_penalty":0.5,"presence_penalty":-0.5,"modalities":["text"],"service_tier":"auto"}""");
        assertEquals(7, accepted.sampling().seed().getAsLong());
        assertEquals(0.5, accepted.sampling().frequencyPenalty().getAsDouble());
    }
}
