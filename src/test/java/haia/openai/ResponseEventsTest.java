package haia.openai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.llm.FinishReason;
import haia.llm.LlmEvent;
import haia.llm.Part;
import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed events of a streamed response, as the pipeline reports a reply: order, numbering, ids, contents. */
class ResponseEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "resp_abc123";

    private final List<JsonNode> events = new ArrayList<>();
    private final ResponseEvents stream = new ResponseEvents(ID, echo(), "haia");

    private static ObjectNode echo() {
        ObjectNode echo = JSON.createObjectNode().put("created_at", 1_800_000_000L).putNull("instructions");
        echo.putArray("tools");
        return echo;
    }

    private void add(List<ResponseEvents.Event> batch) {
        for (ResponseEvents.Event event : batch) {
            try {
                JsonNode json = JSON.readTree(new String(event.json(), StandardCharsets.UTF_8));
                assertEquals(event.type(), json.path("type").asText(), "the SSE event name is the type");
                events.add(json);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private List<String> types() {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    @Test
    void thinkingTextAndHaiasToolsStreamAsItemsInOrder() {
        Part.ToolCall call = new Part.ToolCall("toolu_1", "haia_pve_cluster_status", "{}");
        Part.ToolResult result = new Part.ToolResult("toolu_1", "haia_pve_cluster_status",
                                                     List.of(new Part.Text("2 of 3 nodes online")), false);
        Part.Thinking thinking = new Part.Thinking("Check quorum.", Optional.of("sig"), Optional.empty(), "anthropic");
        add(stream.start());
        add(stream.delta(new LlmEvent.ThinkingDelta("Check ")));
        add(stream.delta(new LlmEvent.ThinkingDelta("quorum.")));
        add(stream.delta(new LlmEvent.TextDelta("Looking.")));
        add(stream.toolsRunning(List.of(call)));
        add(stream.toolsDone(List.of(call), List.of(result)));
        add(stream.delta(new LlmEvent.TextDelta("Two are up.")));
        add(stream.complete("haia", List.of(thinking, new Part.Text("Looking."), call, result,
                                            new Part.Text("Two are up.")), FinishReason.STOP, new Usage(30, 9, 10, 0),
                            1_800_000_005L));

        assertEquals(List.of("response.created", "response.in_progress",
                             "response.output_item.added", "response.reasoning_summary_part.added",
                             "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
                             "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                             "response.output_item.done",
                             "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                             "response.output_text.done", "response.content_part.done", "response.output_item.done",
                             "response.output_item.added", "response.mcp_call.in_progress",
                             "response.mcp_call.completed", "response.output_item.done",
                             "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                             "response.output_text.done", "response.content_part.done", "response.output_item.done",
                             "response.completed"), types());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).path("sequence_number").asInt());
        }
        JsonNode done = events.getLast().path("response");
        assertEquals("completed", done.path("status").asText());
        assertEquals(List.of("rs_abc123_0", "msg_abc123_1", "mcp_abc123_2", "msg_abc123_3"),
                     done.path("output").findValuesAsText("id"), "the ids the stream gave its items");
        assertEquals("Check quorum.", done.path("output").get(0).path("summary").get(0).path("text").asText());
        assertEquals("2 of 3 nodes online", done.path("output").get(2).path("output").asText());
        assertEquals(30, done.path("usage").path("input_tokens").asInt());
        assertEquals(10, done.path("usage").path("input_tokens_details").path("cached_tokens").asInt());
        assertEquals("mcp_abc123_2", events.get(16).path("item_id").asText());
    }

    @Test
    void aReplyThatCameInOnePieceIsShownWholeBeforeTheEnd() {
        add(stream.start());
        add(stream.complete("haia", List.of(new Part.Text("Started a new conversation.")), FinishReason.STOP,
                            Usage.NONE, 1L));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                             "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                             "response.content_part.done", "response.output_item.done", "response.completed"),
                     types());
        assertEquals("Started a new conversation.", events.get(5).path("text").asText());
    }

    @Test
    void aClientToolCallStreamsItsArgumentsAndACutReplyIsIncomplete() {
        add(stream.start());
        add(stream.delta(new LlmEvent.ToolCallDelta(0, Optional.of("call_1"), Optional.of("node_status"), "")));
        add(stream.delta(new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "{\"node\":")));
        add(stream.delta(new LlmEvent.ToolCallDelta(0, Optional.empty(), Optional.empty(), "\"pve2\"}")));
        add(stream.complete("haia", List.of(new Part.ToolCall("call_1", "node_status", "{\"node\":\"pve2\"}")),
                            FinishReason.LENGTH, new Usage(5, 5), 2L));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                             "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                             "response.function_call_arguments.done", "response.output_item.done",
                             "response.incomplete"), types());
        assertEquals("{\"node\":\"pve2\"}", events.get(5).path("arguments").asText());
        assertEquals("node_status", events.get(5).path("name").asText());
        JsonNode response = events.getLast().path("response");
        assertEquals("max_output_tokens", response.path("incomplete_details").path("reason").asText());
        assertEquals("call_1", response.path("output").get(0).path("call_id").asText());
    }

    @Test
    void aFailureAfterTheStreamBeganEndsTheOpenItemAndTheResponseFailed() {
        add(stream.start());
        add(stream.delta(new LlmEvent.TextDelta("Let me ")));
        add(stream.fail(new ResponsesWriter.Failure("server_error", "The upstream failed mid-stream")));
        assertEquals("response.failed", types().getLast());
        JsonNode itemDone = events.get(events.size() - 2);
        assertEquals("incomplete", itemDone.path("item").path("status").asText());
        JsonNode response = events.getLast().path("response");
        assertEquals("failed", response.path("status").asText());
        assertEquals("server_error", response.path("error").path("code").asText());
        assertTrue(response.path("usage").isMissingNode(), "no usage for a failed response");
    }
}
