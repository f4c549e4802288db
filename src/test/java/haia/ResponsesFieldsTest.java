package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.Scrape;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Responses API's request fields do at the model, and what its response says about the model's reply: the
 * running HAIA in front of the fake Anthropic, which checks every request against Anthropic's rules. Each field is
 * asserted where it arrives (the upstream request), not where HAIA parsed it.
 */
class ResponsesFieldsTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        haia = TestHaia.start(dir, anthropic);
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations(), "every upstream request valid");
        anthropic.close();
    }

    private Http.Response create(String body) {
        return Http.post(haia.uri("/v1/responses"), body, Map.of());
    }

    private int liveMessages() {
        int live = 0;
        for (JsonNode conversation : Http.get(haia.uri("/v1/conversations")).json().path("data")) {
            live += conversation.path("live_count").asInt();
        }
        return live;
    }

    @Test
    void generationFieldsReachTheModel() {
        anthropic.enqueue(FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_1", "node_status",
                                                                       "{\"node\":\"pve2\"}")));
        Http.Response response = create("""
                {"model":"haia","instructions":"Answer in one line.","input":"is pve2 up?",
                 "max_output_tokens":300,"temperature":0.3,
                 "tools":[{"type":"function","name":"node_status","parameters":{"type":"object",
                   "properties":{"node":{"type":"string"}}}},
                  {"type":"function","name":"node_log","parameters":{"type":"object"}}],
                 "tool_choice":{"type":"function","name":"node_status"},"parallel_tool_calls":false,
                 "metadata":{"ticket":"OPS-12"},"user":"ops-team"}""");
        assertEquals(200, response.status(), response.body());
        JsonNode upstream = anthropic.lastRequest().body();
        assertTrue(anthropic.lastRequest().systemText().contains("Answer in one line."), upstream.toString());
        assertEquals(300, upstream.path("max_tokens").asInt());
        assertEquals(0.3, upstream.path("temperature").asDouble(), 1e-9);
        assertEquals("tool", upstream.path("tool_choice").path("type").asText(), upstream.toString());
        assertEquals("node_status", upstream.path("tool_choice").path("name").asText());
        assertTrue(upstream.path("tool_choice").path("disable_parallel_tool_use").asBoolean());
        assertEquals(List.of("node_status", "node_log"), upstream.path("tools").findValuesAsText("name").stream()
                .filter(n -> n.startsWith("node_")).toList());
        assertTrue(upstream.path("metadata").path("user_id").isTextual(), "user passed on (opaque): " + upstream);
        JsonNode echoed = response.json();
        assertEquals("OPS-12", echoed.path("metadata").path("ticket").asText());
        assertEquals("Answer in one line.", echoed.path("instructions").asText());
        assertEquals(300, echoed.path("max_output_tokens").asInt());
        assertFalse(echoed.path("parallel_tool_calls").asBoolean());
        assertEquals("function_call", echoed.path("output").path(0).path("type").asText(), echoed.toString());

        // top_p travels on its own (Claude takes one of temperature and top_p)
        create("{\"model\":\"haia\",\"input\":\"hi\",\"top_p\":0.5}");
        assertEquals(0.5, anthropic.lastRequest().body().path("top_p").asDouble(), 1e-9);
    }

    @Test
    void reasoningEffortAndStructuredOutputReachTheModel() {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Thought("Quorum needs a majority.", List.of("Add a qdevice.")));
        Http.Response thought = create("{\"model\":\"haia\",\"input\":\"two-node quorum?\","
                + "\"reasoning\":{\"effort\":\"high\",\"summary\":\"auto\"}}");
        assertEquals(200, thought.status(), thought.body());
        JsonNode upstream = anthropic.lastRequest().body();
        assertEquals("enabled", upstream.path("thinking").path("type").asText(), upstream.toString());
        assertTrue(upstream.path("thinking").path("budget_tokens").asInt() >= 1024);
        JsonNode output = thought.json().path("output");
        assertEquals("reasoning", output.path(0).path("type").asText(), output.toString());
        assertEquals("Quorum needs a majority.", output.path(0).path("summary").path(0).path("text").asText());
        assertEquals("high", thought.json().path("reasoning").path("effort").asText());

        anthropic.enqueue(new FakeAnthropic.Behaviour.ForcedTool("{\"node\":\"pve2\",\"online\":true}"));
        Http.Response structured = create("""
                {"model":"haia","input":"is pve2 up?","text":{"format":{"type":"json_schema","name":"node_state",
                 "strict":true,"schema":{"type":"object","additionalProperties":false,"required":["node","online"],
                 "properties":{"node":{"type":"string"},"online":{"type":"boolean"}}}}}}""");
        assertEquals(200, structured.status(), structured.body());
        JsonNode forced = anthropic.lastRequest().body();
        // HAIA's memory tools are offered too, so Claude must call a tool ("any"), the answer tool among them
        assertEquals("any", forced.path("tool_choice").path("type").asText(), "structured output by a forced tool: "
                + forced);
        JsonNode answerTool = forced.path("tools").path(forced.path("tools").size() - 1);
        assertEquals("haia_json_answer", answerTool.path("name").asText(), forced.toString());
        assertTrue(answerTool.path("input_schema").path("required").toString().contains("online"));
        String text = structured.json().path("output").path(0).path("content").path(0).path("text").asText();
        assertEquals("{\"node\":\"pve2\",\"online\":true}", text);
    }

    /** What Claude cannot do together is refused before the model is called, naming the Responses API's field. */
    @Test
    void aProviderRefusalNamesTheResponsesField() {
        double before = requestsCounted("invalid_request");
        Http.Response refused = create("""
                {"model":"haia","input":"is pve2 up?","reasoning":{"effort":"low"},
                 "text":{"format":{"type":"json_object"}}}""");
        assertEquals(400, refused.status(), refused.body());
        assertEquals("text.format", refused.json().path("error").path("param").asText(), refused.body());
        assertFalse(refused.json().path("error").path("message").asText().contains("response_format"),
                    refused.body());
        assertEquals(0, anthropic.requests().size());
        assertEquals(0, liveMessages(), "nothing stored");
        assertEquals(before + 1, requestsCounted("invalid_request"), "counted under endpoint responses");
    }

    @Test
    void usageCountsCachedTokensAndACutReplyIsIncomplete() throws Exception {
        double before = requestsCounted(null);
        anthropic.enqueue(FakeAnthropic.reply("Check the ring.", 10, 5, 90, 0));
        JsonNode usage = create("{\"model\":\"haia\",\"input\":\"corosync?\"}").json().path("usage");
        assertEquals(100, usage.path("input_tokens").asInt(), "every input token, cached ones included: " + usage);
        assertEquals(90, usage.path("input_tokens_details").path("cached_tokens").asInt());
        assertEquals(5, usage.path("output_tokens").asInt());
        assertEquals(0, usage.path("output_tokens_details").path("reasoning_tokens").asInt(),
                     "Claude's thinking is in output_tokens, with no figure of its own");
        assertEquals(105, usage.path("total_tokens").asInt());

        for (boolean stream : List.of(false, true)) {
            anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("The ring ", "is"), "max_tokens", 10, 2,
                                                                Duration.ZERO));
            JsonNode cut;
            String body = "{\"model\":\"haia\",\"input\":\"explain corosync\",\"max_output_tokens\":2,\"stream\":"
                    + stream + "}";
            if (stream) {
                cut = lastEvent(body, "response.incomplete").path("response");
            } else {
                cut = create(body).json();
            }
            assertEquals("incomplete", cut.path("status").asText(), cut.toString());
            assertEquals("max_output_tokens", cut.path("incomplete_details").path("reason").asText());
            assertEquals("The ring is", cut.path("output").path(0).path("content").path(0).path("text").asText());
            assertEquals("incomplete", Http.get(haia.uri("/v1/responses/" + cut.path("id").asText())).json()
                    .path("status").asText(), "stored as it was answered");
        }
        assertEquals(before + 3, requestsCounted(null), "haia_requests_total{endpoint=\"responses\"}");
    }

    /**
     * An upstream failure: blocking, an OpenAI-shaped error; streamed after the first piece, {@code response.failed}.
     * Either way the user's input is kept (the failed response is stored, out of the live window) and it cannot be
     * continued.
     */
    @Test
    void anUpstreamFailureIsAnErrorOrResponseFailedAndLosesNothingTyped() throws Exception {
        anthropic.enqueue(FakeAnthropic.error(400, "invalid_request_error", "messages: something Claude refused"));
        Http.Response blocking = create("{\"model\":\"haia\",\"input\":\"why is osd.3 down?\"}");
        assertTrue(blocking.status() >= 400, blocking.body());
        JsonNode error = blocking.json().path("error");
        assertFalse(error.path("message").asText().isBlank(), blocking.body());
        assertTrue(error.has("type") && error.has("code") && error.has("param"), blocking.body());

        anthropic.enqueue(new FakeAnthropic.Behaviour.StreamThenError(List.of("Osd.3 "), "overloaded_error",
                                                                      Duration.ZERO));
        JsonNode failed = lastEvent("{\"model\":\"haia\",\"input\":\"and osd.4?\",\"stream\":true}", "response.failed")
                .path("response");
        assertEquals("failed", failed.path("status").asText(), failed.toString());
        assertFalse(failed.path("error").path("message").asText().isBlank(), failed.toString());
        Http.Response stored = Http.get(haia.uri("/v1/responses/" + failed.path("id").asText()));
        assertEquals(200, stored.status(), stored.body());
        assertEquals("failed", stored.json().path("status").asText());
        Http.Response onward = create("{\"model\":\"haia\",\"previous_response_id\":\"" + failed.path("id").asText()
                                              + "\",\"input\":\"go on\"}");
        assertEquals(400, onward.status(), onward.body());
        assertEquals("previous_response_id", onward.json().path("error").path("param").asText());
        assertEquals(1, anthropic.requests().stream().filter(r -> r.lastUserText().equals("and osd.4?")).count(),
                     "a stream is never retried once a piece went out");
    }

    /** haia_requests_total of this endpoint, with this outcome or any (the registry is shared by this JVM's tests). */
    private double requestsCounted(String outcome) {
        return Scrape.parse(Http.get(haia.uri("/metrics")).body()).samples().entrySet().stream()
                .filter(e -> e.getKey().name().equals("haia_requests_total")
                        && "responses".equals(e.getKey().labels().get("endpoint"))
                        && (outcome == null || outcome.equals(e.getKey().labels().get("outcome"))))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** Streams {@code body}; the stream must end with an event of type {@code last}, which is returned. */
    private JsonNode lastEvent(String body, String last) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        try (SseClient sse = SseClient.post(haia.uri("/v1/responses"), body, Map.of())) {
            assertEquals(200, sse.status());
            String data;
            while ((data = sse.nextData()) != null) {
                events.add(Http.JSON.readTree(data));
            }
        }
        assertFalse(events.isEmpty());
        assertEquals(last, events.getLast().path("type").asText(), events.toString());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).path("sequence_number").asInt(), "numbered from 0 without gaps");
        }
        return events.getLast();
    }
}
