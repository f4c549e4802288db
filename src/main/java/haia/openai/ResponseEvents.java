package haia.openai;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.json.Jackson;
import haia.llm.FinishReason;
import haia.llm.LlmEvent;
import haia.llm.Part;
import haia.llm.Usage;

/**
 * The typed events of one streamed response, in OpenAI's order, each with its {@code sequence_number}:
 * {@code response.created} and {@code response.in_progress}; per output item {@code response.output_item.added}, its
 * pieces ({@code response.content_part.added}, {@code response.output_text.delta} ... {@code .done},
 * {@code response.content_part.done}; {@code response.reasoning_summary_part.added},
 * {@code response.reasoning_summary_text.delta} ... ; {@code response.function_call_arguments.delta} ...
 * {@code .done}; for HAIA's own tools {@code response.mcp_call.in_progress} and {@code .completed} or
 * {@code .failed}) and {@code response.output_item.done}; then {@code response.completed},
 * {@code response.incomplete} or {@code response.failed} with the whole response. Pure: it turns what the pipeline
 * reports into event bodies (the caller frames and sends them), one event per element of the returned lists.
 */
public final class ResponseEvents {

    /** One event: its type (the SSE event name) and its JSON body. */
    public record Event(String type, byte[] json) {
    }

    private final String responseId;
    private final ObjectNode echo;
    private final String requestedModel;
    private final List<ResponseItems.Item> streamed = new ArrayList<>();
    /** What the open item has so far: its text, or its arguments. */
    private final StringBuilder open = new StringBuilder();
    private boolean itemOpen;
    /** A client tool call's index in the model's reply, to its output index. */
    private final Map<Integer, Integer> calls = new HashMap<>();
    private int sequence;

    public ResponseEvents(String responseId, ObjectNode echo, String requestedModel) {
        this.responseId = responseId;
        this.echo = echo;
        this.requestedModel = requestedModel;
    }

    /** {@code response.created} and {@code response.in_progress}. */
    public List<Event> start() {
        List<Event> events = new ArrayList<>(2);
        for (String type : List.of("response.created", "response.in_progress")) {
            events.add(event(type, g -> {
                g.writeFieldName("response");
                ResponsesWriter.response(g, echo, responseId, requestedModel, ResponsesWriter.Outcome.inProgress(),
                                         List.of());
            }));
        }
        return events;
    }

    /** A piece of text, reasoning or a client tool call. */
    public List<Event> delta(LlmEvent.Delta delta) {
        List<Event> events = new ArrayList<>(4);
        switch (delta) {
            case LlmEvent.TextDelta text -> {
                if (!(current() instanceof ResponseItems.Message) || !itemOpen) {
                    close(events, "completed");
                    ResponseItems.Message item = new ResponseItems.Message(id("msg"), haia.llm.LlmMessage.Role.ASSISTANT,
                                                                           List.of());
                    added(events, item);
                    events.add(event("response.content_part.added", g -> {
                        itemFields(g, item.id(), 0);
                        g.writeFieldName("part");
                        ResponsesWriter.outputText(g, "");
                    }));
                }
                open.append(text.text());
                String id = current().id();
                events.add(event("response.output_text.delta", g -> {
                    itemFields(g, id, 0);
                    g.writeStringField("delta", text.text());
                    g.writeArrayFieldStart("logprobs");
                    g.writeEndArray();
                }));
            }
            case LlmEvent.ThinkingDelta thinking -> {
                if (!(current() instanceof ResponseItems.Reasoning) || !itemOpen) {
                    close(events, "completed");
                    ResponseItems.Reasoning item = new ResponseItems.Reasoning(id("rs"), List.of());
                    added(events, item);
                    events.add(event("response.reasoning_summary_part.added", g -> {
                        summaryFields(g, item.id());
                        g.writeFieldName("part");
                        ResponsesWriter.summaryText(g, "");
                    }));
                }
                open.append(thinking.text());
                String id = current().id();
                events.add(event("response.reasoning_summary_text.delta", g -> {
                    summaryFields(g, id);
                    g.writeStringField("delta", thinking.text());
                }));
            }
            case LlmEvent.ToolCallDelta call -> {
                if (call.id().isPresent() || !calls.containsKey(call.index())) {
                    close(events, "completed");
                    ResponseItems.FunctionCall item = new ResponseItems.FunctionCall(id("fc"), new Part.ToolCall(
                            call.id().orElse("call_" + responseId + "_" + call.index()), call.name().orElse(""), ""));
                    calls.put(call.index(), streamed.size());
                    added(events, item);
                }
                if (!call.arguments().isEmpty()) {
                    open.append(call.arguments());
                    String id = current().id();
                    events.add(event("response.function_call_arguments.delta", g -> {
                        g.writeStringField("item_id", id);
                        g.writeNumberField("output_index", streamed.size() - 1);
                        g.writeStringField("delta", call.arguments());
                    }));
                }
            }
        }
        return events;
    }

    /** HAIA runs its own tools: one {@code mcp_call} item each, in progress. */
    public List<Event> toolsRunning(List<Part.ToolCall> running) {
        List<Event> events = new ArrayList<>();
        close(events, "completed");
        for (Part.ToolCall call : running) {
            ResponseItems.McpCall item = new ResponseItems.McpCall(id("mcp"), call, Optional.empty());
            added(events, item);
            int index = streamed.size() - 1;
            events.add(event("response.mcp_call.in_progress", g -> {
                g.writeStringField("item_id", item.id());
                g.writeNumberField("output_index", index);
            }));
        }
        itemOpen = false;
        return events;
    }

    /** HAIA's tools gave their results: each call completed (or failed) and done. */
    public List<Event> toolsDone(List<Part.ToolCall> done, List<Part.ToolResult> results) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            int index = indexOf(done.get(i));
            if (index < 0) {
                continue;
            }
            ResponseItems.McpCall item = new ResponseItems.McpCall(streamed.get(index).id(), done.get(i),
                                                                   Optional.of(results.get(i)));
            streamed.set(index, item);
            events.add(event(results.get(i).error() ? "response.mcp_call.failed" : "response.mcp_call.completed", g -> {
                g.writeStringField("item_id", item.id());
                g.writeNumberField("output_index", index);
            }));
            events.add(event("response.output_item.done", g -> {
                g.writeNumberField("output_index", index);
                g.writeFieldName("item");
                ResponsesWriter.item(g, item, "completed");
            }));
        }
        return events;
    }

    /**
     * The reply is complete: the open item is done, any item the stream did not show (a reply that came in one
     * piece) is shown whole, then {@code response.completed}, or {@code response.incomplete} when it was cut.
     */
    public List<Event> complete(String model, List<Part> parts, FinishReason finish, Usage usage, long completedAt) {
        List<Event> events = new ArrayList<>();
        close(events, "completed");
        List<ResponseItems.Item> output = ResponseItems.output(responseId, parts);
        for (int i = streamed.size(); i < output.size(); i++) {
            whole(events, output.get(i));
        }
        ResponsesWriter.Outcome outcome = outcome(finish, usage, completedAt);
        events.add(event(outcome.status().equals("completed") ? "response.completed" : "response.incomplete", g -> {
            g.writeFieldName("response");
            ResponsesWriter.response(g, echo, responseId, model, outcome, output);
        }));
        return events;
    }

    /** The response failed after its stream began: the open item ends incomplete, then {@code response.failed}. */
    public List<Event> fail(ResponsesWriter.Failure failure) {
        List<Event> events = new ArrayList<>();
        close(events, "incomplete");
        ResponsesWriter.Outcome outcome = new ResponsesWriter.Outcome("failed", Optional.empty(),
                                                                      Optional.of(failure), Optional.empty(),
                                                                      java.util.OptionalLong.empty());
        List<ResponseItems.Item> output = List.copyOf(streamed);
        events.add(event("response.failed", g -> {
            g.writeFieldName("response");
            ResponsesWriter.response(g, echo, responseId, requestedModel, outcome, output);
        }));
        return events;
    }

    /** A finished reply's status: completed, or incomplete when the token limit or a content filter cut it. */
    public static ResponsesWriter.Outcome outcome(FinishReason finish, Usage usage, long completedAt) {
        Optional<String> reason = switch (finish) {
            case LENGTH -> Optional.of("max_output_tokens");
            case CONTENT_FILTER -> Optional.of("content_filter");
            case STOP, TOOL_CALLS -> Optional.empty();
        };
        return new ResponsesWriter.Outcome(reason.isPresent() ? "incomplete" : "completed", reason, Optional.empty(),
                                           Optional.of(usage), reason.isPresent() ? java.util.OptionalLong.empty()
                                                   : java.util.OptionalLong.of(completedAt));
    }

    // ---- items ----

    private ResponseItems.Item current() {
        return streamed.isEmpty() ? null : streamed.getLast();
    }

    private String id(String prefix) {
        return ResponseItems.itemId(prefix, responseId, false, streamed.size());
    }

    private int indexOf(Part.ToolCall call) {
        for (int i = streamed.size() - 1; i >= 0; i--) {
            if (streamed.get(i) instanceof ResponseItems.McpCall mcp && mcp.call().id().equals(call.id())) {
                return i;
            }
        }
        return -1;
    }

    private void added(List<Event> events, ResponseItems.Item item) {
        streamed.add(item);
        itemOpen = true;
        open.setLength(0);
        int index = streamed.size() - 1;
        events.add(event("response.output_item.added", g -> {
            g.writeNumberField("output_index", index);
            g.writeFieldName("item");
            ResponsesWriter.item(g, item, "in_progress");
        }));
    }

    /** Ends the open text, reasoning or call item with what it has. */
    private void close(List<Event> events, String status) {
        if (!itemOpen || streamed.isEmpty()) {
            itemOpen = false;
            return;
        }
        itemOpen = false;
        int index = streamed.size() - 1;
        String text = open.toString();
        ResponseItems.Item item = switch (streamed.getLast()) {
            case ResponseItems.Message m -> new ResponseItems.Message(m.id(), m.role(), List.of(new Part.Text(text)));
            case ResponseItems.Reasoning r -> new ResponseItems.Reasoning(r.id(), List.of(new Part.Thinking(
                    text, Optional.empty(), Optional.empty(), "")));
            case ResponseItems.FunctionCall c -> new ResponseItems.FunctionCall(c.id(), new Part.ToolCall(
                    c.call().id(), c.call().name(), text));
            default -> streamed.getLast();
        };
        streamed.set(index, item);
        finish(events, item, index, status);
    }

    /** An item the stream did not show: added, its whole content as one piece, done. */
    private void whole(List<Event> events, ResponseItems.Item item) {
        switch (item) {
            case ResponseItems.Message m -> {
                delta(new LlmEvent.TextDelta(m.text())).forEach(events::add);
                close(events, "completed");
            }
            case ResponseItems.Reasoning r -> {
                delta(new LlmEvent.ThinkingDelta(r.text())).forEach(events::add);
                close(events, "completed");
            }
            case ResponseItems.FunctionCall c -> {
                close(events, "completed");
                delta(new LlmEvent.ToolCallDelta(-1 - streamed.size(), Optional.of(c.call().id()),
                                                 Optional.of(c.call().name()), c.call().arguments()))
                        .forEach(events::add);
                close(events, "completed");
            }
            case ResponseItems.McpCall c -> {
                toolsRunning(List.of(c.call())).forEach(events::add);
                c.result().ifPresent(r -> toolsDone(List.of(c.call()), List.of(r)).forEach(events::add));
            }
            case ResponseItems.FunctionCallOutput ignored -> {
                // never part of a reply
            }
        }
    }

    private void finish(List<Event> events, ResponseItems.Item item, int index, String status) {
        switch (item) {
            case ResponseItems.Message m -> {
                events.add(event("response.output_text.done", g -> {
                    itemFields(g, m.id(), 0);
                    g.writeStringField("text", m.text());
                    g.writeArrayFieldStart("logprobs");
                    g.writeEndArray();
                }));
                events.add(event("response.content_part.done", g -> {
                    itemFields(g, m.id(), 0);
                    g.writeFieldName("part");
                    ResponsesWriter.outputText(g, m.text());
                }));
            }
            case ResponseItems.Reasoning r -> {
                events.add(event("response.reasoning_summary_text.done", g -> {
                    summaryFields(g, r.id());
                    g.writeStringField("text", r.text());
                }));
                events.add(event("response.reasoning_summary_part.done", g -> {
                    summaryFields(g, r.id());
                    g.writeFieldName("part");
                    ResponsesWriter.summaryText(g, r.text());
                }));
            }
            case ResponseItems.FunctionCall c -> events.add(event("response.function_call_arguments.done", g -> {
                g.writeStringField("item_id", c.id());
                g.writeNumberField("output_index", index);
                g.writeStringField("name", c.call().name());
                g.writeStringField("arguments", c.call().arguments());
            }));
            default -> {
            }
        }
        events.add(event("response.output_item.done", g -> {
            g.writeNumberField("output_index", index);
            g.writeFieldName("item");
            ResponsesWriter.item(g, item, status);
        }));
    }

    private void itemFields(JsonGenerator g, String itemId, int contentIndex) throws IOException {
        g.writeStringField("item_id", itemId);
        g.writeNumberField("output_index", streamed.size() - 1);
        g.writeNumberField("content_index", contentIndex);
    }

    private void summaryFields(JsonGenerator g, String itemId) throws IOException {
        g.writeStringField("item_id", itemId);
        g.writeNumberField("output_index", streamed.size() - 1);
        g.writeNumberField("summary_index", 0);
    }

    private Event event(String type, Jackson.Document body) {
        int number = sequence++;
        return new Event(type, ResponsesWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("type", type);
            body.write(g);
            g.writeNumberField("sequence_number", number);
            g.writeEndObject();
        }));
    }
}
