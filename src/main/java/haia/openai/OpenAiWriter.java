package haia.openai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import haia.llm.FinishReason;
import haia.llm.Usage;

/**
 * Writes OpenAI's response shapes: completions, stream chunks, errors and the model list. Generated straight to
 * bytes with Jackson's streaming generator (no intermediate trees, exact field order, explicit nulls where OpenAI's
 * schema requires the field).
 */
public final class OpenAiWriter {

    private static final JsonFactory JSON = new JsonFactory();

    private OpenAiWriter() {
    }

    /** OpenAI's name for a finish reason. */
    public static String finishReason(FinishReason reason) {
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CONTENT_FILTER -> "content_filter";
            case TOOL_CALLS -> "tool_calls";
        };
    }

    /** A whole {@code chat.completion} object. */
    public static byte[] completion(String id, long created, String model, String text, FinishReason finish,
                                    Usage usage) {
        return write(g -> {
            g.writeStartObject();
            header(g, id, "chat.completion", created, model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            g.writeStringField("content", text);
            g.writeNullField("refusal");
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", finishReason(finish));
            g.writeEndObject();
            g.writeEndArray();
            usage(g, usage);
            g.writeEndObject();
        });
    }

    /**
     * One {@code chat.completion.chunk} with a single choice.
     *
     * @param role          {@code "assistant"} on the first chunk only
     * @param content       a piece of text, or empty for none
     * @param finish        set on the last choice chunk only
     * @param usageNull     write {@code "usage": null} (OpenAI does so on every chunk when usage was requested)
     */
    public static byte[] chunk(String id, long created, String model, Optional<String> role, Optional<String> content,
                               Optional<FinishReason> finish, boolean usageNull) {
        return write(g -> {
            g.writeStartObject();
            header(g, id, "chat.completion.chunk", created, model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            if (role.isPresent()) {
                g.writeStringField("role", role.get());
            }
            if (content.isPresent()) {
                g.writeStringField("content", content.get());
            }
            g.writeEndObject();
            g.writeNullField("logprobs");
            if (finish.isPresent()) {
                g.writeStringField("finish_reason", finishReason(finish.get()));
            } else {
                g.writeNullField("finish_reason");
            }
            g.writeEndObject();
            g.writeEndArray();
            if (usageNull) {
                g.writeNullField("usage");
            }
            g.writeEndObject();
        });
    }

    /** The final usage chunk of a stream: empty {@code choices} and the whole request's usage. */
    public static byte[] usageChunk(String id, long created, String model, Usage usage) {
        return write(g -> {
            g.writeStartObject();
            header(g, id, "chat.completion.chunk", created, model);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            usage(g, usage);
            g.writeEndObject();
        });
    }

    /** OpenAI's error body {@code {"error":{"message","type","param","code"}}}. */
    public static byte[] error(String message, String type, Optional<String> param, Optional<String> code) {
        return write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            nullable(g, "param", param);
            nullable(g, "code", code);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** A model in {@code /v1/models}. */
    public record ModelEntry(String id, long created, String ownedBy) {
    }

    public static byte[] models(List<ModelEntry> models) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (ModelEntry model : models) {
                model(g, model);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** One model object, as {@code GET /v1/models/{id}} returns it. */
    public static byte[] model(ModelEntry model) {
        return write(g -> model(g, model));
    }

    private static void model(JsonGenerator g, ModelEntry model) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", model.id());
        g.writeStringField("object", "model");
        g.writeNumberField("created", model.created());
        g.writeStringField("owned_by", model.ownedBy());
        g.writeEndObject();
    }

    private static void header(JsonGenerator g, String id, String object, long created, String model) throws IOException {
        g.writeStringField("id", id);
        g.writeStringField("object", object);
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }

    private static void usage(JsonGenerator g, Usage usage) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", usage.inputTokens());
        g.writeNumberField("completion_tokens", usage.outputTokens());
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeEndObject();
    }

    private static void nullable(JsonGenerator g, String field, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            g.writeStringField(field, value.get());
        } else {
            g.writeNullField(field);
        }
    }

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator generator) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
