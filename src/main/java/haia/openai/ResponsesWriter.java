package haia.openai;

import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.json.Jackson;
import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.Usage;

/**
 * Writes the Responses API's shapes: the {@code response} object, its output and input items, the typed stream
 * events' bodies, the input item list and the deletion result. Straight to bytes with Jackson's generator, as
 * {@link OpenAiWriter} writes chat completions; what the response object repeats of its request comes from the
 * request's echo ({@link ResponsesRequest#echo()}), as stored with it.
 */
public final class ResponsesWriter {

    private static final ObjectMapper JSON = new ObjectMapper(Jackson.factory());

    private ResponsesWriter() {
    }

    /** What a response came to: its status and, as the status needs, why it stopped and what it cost. */
    public record Outcome(String status, Optional<String> incompleteReason, Optional<Failure> error,
                          Optional<Usage> usage, OptionalLong completedAt) {
        public static Outcome inProgress() {
            return new Outcome("in_progress", Optional.empty(), Optional.empty(), Optional.empty(),
                               OptionalLong.empty());
        }
    }

    /** A failed response's error: one of OpenAI's response error codes, and what happened. */
    public record Failure(String code, String message) {
    }

    /** A response object. */
    public static byte[] response(ObjectNode echo, String id, String model, Outcome outcome, List<ResponseItems.Item> output) {
        return write(g -> response(g, echo, id, model, outcome, output));
    }

    static void response(JsonGenerator g, ObjectNode echo, String id, String model, Outcome outcome,
                         List<ResponseItems.Item> output) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", "response");
        g.writeNumberField("created_at", echo.path("created_at").asLong());
        g.writeStringField("status", outcome.status());
        if (outcome.completedAt().isPresent()) {
            g.writeNumberField("completed_at", outcome.completedAt().getAsLong());
        } else {
            g.writeNullField("completed_at");
        }
        if (outcome.error().isPresent()) {
            g.writeObjectFieldStart("error");
            g.writeStringField("code", outcome.error().get().code());
            g.writeStringField("message", outcome.error().get().message());
            g.writeEndObject();
        } else {
            g.writeNullField("error");
        }
        if (outcome.incompleteReason().isPresent()) {
            g.writeObjectFieldStart("incomplete_details");
            g.writeStringField("reason", outcome.incompleteReason().get());
            g.writeEndObject();
        } else {
            g.writeNullField("incomplete_details");
        }
        g.writeStringField("model", model);
        Iterator<Map.Entry<String, JsonNode>> fields = echo.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals("created_at") && !field.getKey().equals("model")) {
                g.writeFieldName(field.getKey());
                JSON.writeTree(g, field.getValue());
            }
        }
        String itemStatus = outcome.status().equals("completed") || outcome.status().equals("in_progress")
                ? "completed" : "incomplete";
        g.writeArrayFieldStart("output");
        for (ResponseItems.Item item : output) {
            item(g, item, itemStatus);
        }
        g.writeEndArray();
        if (outcome.usage().isPresent()) {   // no usage yet (or none, for a failed response): no field
            usage(g, outcome.usage().get());
        }
        g.writeEndObject();
    }

    /** An output item, with this status (a message's status; HAIA's calls say whether they failed themselves). */
    static void item(JsonGenerator g, ResponseItems.Item item, String status) throws IOException {
        g.writeStartObject();
        switch (item) {
            case ResponseItems.Message message -> {
                g.writeStringField("type", "message");
                g.writeStringField("id", message.id());
                g.writeStringField("status", status);
                g.writeStringField("role", "assistant");
                g.writeArrayFieldStart("content");
                if (!message.text().isEmpty() || !status.equals("in_progress")) {
                    outputText(g, status.equals("in_progress") ? "" : message.text());
                }
                g.writeEndArray();
            }
            case ResponseItems.Reasoning reasoning -> {
                g.writeStringField("type", "reasoning");
                g.writeStringField("id", reasoning.id());
                g.writeArrayFieldStart("summary");
                if (!status.equals("in_progress")) {
                    summaryText(g, reasoning.text());
                }
                g.writeEndArray();
                g.writeStringField("status", status);
            }
            case ResponseItems.FunctionCall call -> {
                g.writeStringField("type", "function_call");
                g.writeStringField("id", call.id());
                g.writeStringField("call_id", call.call().id());
                g.writeStringField("name", call.call().name());
                g.writeStringField("arguments", status.equals("in_progress") ? "" : call.call().arguments());
                g.writeStringField("status", status);
            }
            case ResponseItems.McpCall call -> {
                g.writeStringField("type", "mcp_call");
                g.writeStringField("id", call.id());
                g.writeStringField("server_label", ResponseItems.SERVER_LABEL);
                g.writeStringField("name", call.call().name());
                g.writeStringField("arguments", call.call().arguments());
                Optional<Part.ToolResult> result = call.result();
                boolean failed = result.filter(Part.ToolResult::error).isPresent();
                nullable(g, "output", result.filter(r -> !r.error()).map(Part.ToolResult::text));
                nullable(g, "error", result.filter(Part.ToolResult::error).map(Part.ToolResult::text));
                g.writeStringField("status", result.isEmpty() ? "in_progress" : failed ? "failed" : "completed");
            }
            case ResponseItems.FunctionCallOutput output -> functionCallOutput(g, output);
        }
        g.writeEndObject();
    }

    /** An input item, as {@code GET /v1/responses/{id}/input_items} lists it. */
    static void inputItem(JsonGenerator g, ResponseItems.Item item) throws IOException {
        if (!(item instanceof ResponseItems.Message message) || message.role() != LlmMessage.Role.USER) {
            if (item instanceof ResponseItems.FunctionCallOutput output) {
                g.writeStartObject();
                functionCallOutput(g, output);
                g.writeEndObject();
            } else {
                item(g, item, "completed");
            }
            return;
        }
        g.writeStartObject();
        g.writeStringField("type", "message");
        g.writeStringField("id", message.id());
        g.writeStringField("status", "completed");
        g.writeStringField("role", "user");
        g.writeArrayFieldStart("content");
        for (Part part : message.parts()) {
            if (part instanceof Part.Text text) {
                g.writeStartObject();
                g.writeStringField("type", "input_text");
                g.writeStringField("text", text.text());
                g.writeEndObject();
            } else if (part instanceof Part.Image image) {
                g.writeStartObject();
                g.writeStringField("type", "input_image");
                g.writeStringField("detail", "auto");
                g.writeStringField("image_url", switch (image.source()) {
                    case Part.Image.Inline inline -> "data:" + inline.mediaType() + ";base64,"
                            + Base64.getEncoder().encodeToString(inline.data());
                    case Part.Image.Url url -> url.url().toString();
                    case Part.Image.Stored stored -> "about:blank#" + stored.mediaType();
                });
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void functionCallOutput(JsonGenerator g, ResponseItems.FunctionCallOutput output)
            throws IOException {
        g.writeStringField("type", "function_call_output");
        g.writeStringField("id", output.id());
        g.writeStringField("call_id", output.result().callId());
        g.writeStringField("output", output.result().text());
        g.writeStringField("status", "completed");
    }

    static void outputText(JsonGenerator g, String text) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "output_text");
        g.writeStringField("text", text);
        g.writeArrayFieldStart("annotations");
        g.writeEndArray();
        g.writeArrayFieldStart("logprobs");
        g.writeEndArray();
        g.writeEndObject();
    }

    static void summaryText(JsonGenerator g, String text) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "summary_text");
        g.writeStringField("text", text);
        g.writeEndObject();
    }

    /**
     * OpenAI's {@code ResponseUsage}: every input token (cache reads included, and said apart), every output token
     * (reasoning included, and said apart where the provider counts it: OpenAI-compatible servers' reasoning tokens,
     * Gemini's thoughts; Claude and Ollama give no figure of their own, so {@code reasoning_tokens} is 0 for them).
     */
    static void usage(JsonGenerator g, Usage usage) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("input_tokens", usage.inputTokens());
        g.writeObjectFieldStart("input_tokens_details");
        g.writeNumberField("cached_tokens", usage.cacheReadTokens());
        g.writeEndObject();
        g.writeNumberField("output_tokens", usage.outputTokens());
        g.writeObjectFieldStart("output_tokens_details");
        g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
        g.writeEndObject();
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeEndObject();
    }

    /** {@code GET /v1/responses/{id}/input_items}: a page of input items. */
    public static byte[] inputItems(List<ResponseItems.Item> items, boolean hasMore) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (ResponseItems.Item item : items) {
                inputItem(g, item);
            }
            g.writeEndArray();
            g.writeStringField("first_id", items.isEmpty() ? "" : items.getFirst().id());
            g.writeStringField("last_id", items.isEmpty() ? "" : items.getLast().id());
            g.writeBooleanField("has_more", hasMore);
            g.writeEndObject();
        });
    }

    /** {@code DELETE /v1/responses/{id}}. */
    public static byte[] deleted(String id) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "response.deleted");
            g.writeBooleanField("deleted", true);
            g.writeEndObject();
        });
    }

    /** A stored echo read back. */
    public static ObjectNode echo(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("a stored response's request is not a JSON object", e);
        }
    }

    /** The echo as stored. */
    public static String text(ObjectNode echo) {
        try {
            return JSON.writeValueAsString(echo);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    static void nullable(JsonGenerator g, String field, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            g.writeStringField(field, value.get());
        } else {
            g.writeNullField(field);
        }
    }

    static byte[] write(Jackson.Document document) {
        return Jackson.write(JSON.getFactory(), 512, document);
    }
}
