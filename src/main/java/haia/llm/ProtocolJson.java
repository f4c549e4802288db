package haia.llm;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.json.Jackson;

/** JSON pieces every protocol mapping needs: one reader for provider bodies, text fields, string arrays. */
public final class ProtocolJson {

    /** Reads provider bodies and stream events (thread-safe; buffers from the shared pool). */
    public static final ObjectMapper READER = new ObjectMapper(Jackson.factory());
    /** Writes request bodies; owned by a mapper, so a generator can write JSON trees (schemas, tool arguments). */
    public static final JsonFactory WRITER = new ObjectMapper(Jackson.factory()).getFactory();

    private ProtocolJson() {
    }

    /** A text field, when it is a non-blank string. */
    public static Optional<String> text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText())
                : Optional.empty();
    }

    /** {@code field: [values...]}, omitted when there are none. */
    public static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        if (values.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(field);
        for (String value : values) {
            g.writeString(value);
        }
        g.writeEndArray();
    }

    /**
     * A tool call's arguments as the JSON object the providers with object arguments want. Models write arguments as
     * text and may get it wrong: an empty text is {@code {}} (a call without arguments), and text that is not a JSON
     * object travels as {@code {"arguments": "<the text>"}}, so nothing the model wrote is lost.
     */
    public static JsonNode argumentsObject(String arguments) {
        if (arguments.isBlank()) {
            return READER.createObjectNode();
        }
        try {
            JsonNode parsed = READER.readTree(arguments);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (IOException notJson) {
            // kept as text below
        }
        return READER.createObjectNode().put("arguments", arguments);
    }

    /** A JSON value as compact text (a tool call's arguments object as the OpenAI side carries it). */
    public static String compact(JsonNode value) {
        try {
            return READER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always writes", e);
        }
    }

    /**
     * {@code "tool_calls": [{id, type: "function", function: {name, arguments}}]} with the arguments as JSON text:
     * OpenAI's shape, in HAIA's replies and in requests to OpenAI-compatible servers; nothing when there are none.
     */
    public static void toolCalls(JsonGenerator g, List<Part.ToolCall> calls) throws IOException {
        if (calls.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("tool_calls");
        for (Part.ToolCall call : calls) {
            g.writeStartObject();
            g.writeStringField("id", call.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", call.name());
            g.writeStringField("arguments", call.arguments());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * The sampling settings under OpenAI's names ({@code temperature}, {@code top_p}, {@code stop}, {@code seed},
     * {@code frequency_penalty}, {@code presence_penalty}), each when the client chose it: the top level of a Chat
     * Completions request, and Ollama's {@code options}, which use the same names.
     */
    public static void sampling(JsonGenerator g, Sampling sampling) throws IOException {
        if (sampling.temperature().isPresent()) {
            g.writeNumberField("temperature", sampling.temperature().getAsDouble());
        }
        if (sampling.topP().isPresent()) {
            g.writeNumberField("top_p", sampling.topP().getAsDouble());
        }
        strings(g, "stop", sampling.stop());
        if (sampling.seed().isPresent()) {
            g.writeNumberField("seed", sampling.seed().getAsLong());
        }
        if (sampling.frequencyPenalty().isPresent()) {
            g.writeNumberField("frequency_penalty", sampling.frequencyPenalty().getAsDouble());
        }
        if (sampling.presencePenalty().isPresent()) {
            g.writeNumberField("presence_penalty", sampling.presencePenalty().getAsDouble());
        }
    }

    /**
     * A request body written field by field (no DTOs), sized for its messages and their pictures' base64, so a body
     * with pictures is not copied again and again while its buffer grows.
     */
    public static byte[] body(LlmRequest request, Jackson.Document document) {
        long pictures = 0;
        for (LlmMessage message : request.messages()) {
            for (Part part : message.parts()) {
                if (part instanceof Part.Image image && image.source() instanceof Part.Image.Inline inline) {
                    pictures += inline.data().length / 3 * 4 + 64;
                }
            }
        }
        return Jackson.write(WRITER, (int) Math.min(Integer.MAX_VALUE - 8,
                                                    512 + request.messages().size() * 256L + pictures), document);
    }
}
