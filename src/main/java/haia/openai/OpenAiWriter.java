package haia.openai;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import haia.json.Jackson;
import haia.llm.FinishReason;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.Usage;
import haia.tools.ToolNames;

/**
 * Writes OpenAI's response shapes: completions, stream chunks, errors and the model list. Generated straight to
 * bytes with Jackson's streaming generator (no intermediate trees, exact field order, explicit nulls where OpenAI's
 * schema requires the field).
 */
public final class OpenAiWriter {

    private static final JsonFactory JSON = Jackson.factory();

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

    /**
     * A whole {@code chat.completion} object. The message's {@code content} is the reply's text ({@code null} when it
     * only calls tools, as OpenAI writes it), its reasoning {@code reasoning_content} (never inside the content),
     * its tool calls {@code tool_calls} with their arguments as JSON text.
     */
    public static byte[] completion(String id, long created, String model, List<Part> parts, FinishReason finish,
                                    Usage usage) {
        return completion(id, created, model, parts, finish, usage, List.of());
    }

    /** @param notes what HAIA changed about the request to answer it: {@code "haia": {"notes": [...]}} when any */
    public static byte[] completion(String id, long created, String model, List<Part> parts, FinishReason finish,
                                    Usage usage, List<String> notes) {
        return write(g -> {
            g.writeStartObject();
            header(g, id, "chat.completion", created, model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            // HAIA's own tool calls are shown in the text, never as tool_calls (a client would run them)
            String text = ToolActivity.text(parts);
            List<Part.ToolCall> calls = parts.stream().filter(Part.ToolCall.class::isInstance)
                    .map(Part.ToolCall.class::cast).filter(c -> !ToolNames.isReserved(c.name())).toList();
            if (text.isEmpty() && !calls.isEmpty()) {
                g.writeNullField("content");
            } else {
                g.writeStringField("content", text);
            }
            StringBuilder reasoning = new StringBuilder();
            parts.stream().filter(Part.Thinking.class::isInstance)
                    .forEach(p -> reasoning.append(((Part.Thinking) p).text()));
            if (!reasoning.isEmpty()) {
                g.writeStringField("reasoning_content", reasoning.toString());
            }
            ProtocolJson.toolCalls(g, calls);
            g.writeNullField("refusal");
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", finishReason(finish));
            g.writeEndObject();
            g.writeEndArray();
            usage(g, usage);
            notes(g, notes);
            g.writeEndObject();
        });
    }

    /**
     * The chunk that ends a stream's choice: its finish reason, and HAIA's notes on the request when there are any
     * ({@link #notes}).
     */
    public static byte[] finishChunk(String id, long created, String model, FinishReason finish, boolean usageNull,
                                     List<String> notes) {
        return deltaChunk(id, created, model, usageNull, Optional.of(finish), notes, g -> {
        });
    }

    /**
     * HAIA's own metadata of a reply, a field clients ignore or show: {@code "haia": {"notes": [...]}}, what HAIA had
     * to change about the request to answer it (an attached document cut to the model's budget). Nothing when none.
     */
    private static void notes(JsonGenerator g, List<String> notes) throws IOException {
        if (notes.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("haia");
        g.writeArrayFieldStart("notes");
        for (String note : notes) {
            g.writeString(note);
        }
        g.writeEndArray();
        g.writeEndObject();
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
        return deltaChunk(id, created, model, usageNull, finish, g -> {
            if (role.isPresent()) {
                g.writeStringField("role", role.get());
            }
            if (content.isPresent()) {
                g.writeStringField("content", content.get());
            }
        });
    }

    /**
     * A chunk carrying a piece of the model's reasoning as {@code delta.reasoning_content} (OpenWebUI shows it as a
     * collapsible thinking block; it is never part of the content).
     */
    public static byte[] reasoningChunk(String id, long created, String model, String reasoning, boolean usageNull) {
        return deltaChunk(id, created, model, usageNull, Optional.empty(),
                          g -> g.writeStringField("reasoning_content", reasoning));
    }

    /**
     * A chunk carrying a piece of a tool call, as OpenAI streams them and the official clients assemble them: the
     * call's first chunk has its {@code index}, {@code id}, {@code type} and {@code function.name} (and empty
     * arguments), later ones its {@code index} and a piece of {@code function.arguments}.
     */
    public static byte[] toolCallChunk(String id, long created, String model, int index, Optional<String> callId,
                                       Optional<String> name, String arguments, boolean usageNull) {
        return deltaChunk(id, created, model, usageNull, Optional.empty(), g -> {
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            g.writeNumberField("index", index);
            if (callId.isPresent()) {
                g.writeStringField("id", callId.get());
                g.writeStringField("type", "function");
            }
            g.writeObjectFieldStart("function");
            if (name.isPresent()) {
                g.writeStringField("name", name.get());
            }
            g.writeStringField("arguments", arguments);
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
        });
    }

    /** One {@code chat.completion.chunk} with a single choice whose delta {@code delta} writes. */
    private static byte[] deltaChunk(String id, long created, String model, boolean usageNull,
                                     Optional<FinishReason> finish, Jackson.Document delta) {
        return deltaChunk(id, created, model, usageNull, finish, List.of(), delta);
    }

    private static byte[] deltaChunk(String id, long created, String model, boolean usageNull,
                                     Optional<FinishReason> finish, List<String> notes, Jackson.Document delta) {
        return write(g -> {
            g.writeStartObject();
            header(g, id, "chat.completion.chunk", created, model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("delta");
            delta.write(g);
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
            notes(g, notes);
            g.writeEndObject();
        });
    }

    /**
     * The content chunks of one stream as complete SSE events ({@code data: ...\n\n}). Everything but the text is
     * the same in every chunk of a stream, so the framing is generated once (by {@link #chunk}, so it cannot drift
     * from it) and only the text is escaped per token.
     */
    public static final class ContentChunks {
        private static final String MARKER = "~~content~~";
        private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
        private final byte[] prefix;
        private final byte[] suffix;

        public ContentChunks(String id, long created, String model, boolean usageNull) {
            byte[] sample = chunk(id, created, model, Optional.empty(), Optional.of(MARKER), Optional.empty(), usageNull);
            String text = new String(sample, StandardCharsets.UTF_8);
            int at = text.indexOf('"' + MARKER + '"');
            byte[] head = text.substring(0, at + 1).getBytes(StandardCharsets.UTF_8);
            prefix = new byte[DATA.length + head.length];
            System.arraycopy(DATA, 0, prefix, 0, DATA.length);
            System.arraycopy(head, 0, prefix, DATA.length, head.length);
            suffix = (text.substring(at + MARKER.length() + 1) + "\n\n").getBytes(StandardCharsets.UTF_8);
        }

        /** The SSE event carrying {@code content}. */
        public byte[] event(String content) {
            byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(content);
            byte[] event = new byte[prefix.length + quoted.length + suffix.length];
            System.arraycopy(prefix, 0, event, 0, prefix.length);
            System.arraycopy(quoted, 0, event, prefix.length, quoted.length);
            System.arraycopy(suffix, 0, event, prefix.length + quoted.length, suffix.length);
            return event;
        }
    }

    /**
     * OpenWebUI's status event ({@code {"event":{"type":"status","data":{...}}}}, a chunk without choices), which
     * it shows above the reply while HAIA's tools run. Only for OpenWebUI: other clients expect choices.
     */
    public static byte[] statusEvent(String description, boolean done) {
        return write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("event");
            g.writeStringField("type", "status");
            g.writeObjectFieldStart("data");
            g.writeStringField("description", description);
            g.writeBooleanField("done", done);
            g.writeBooleanField("hidden", false);
            g.writeEndObject();
            g.writeEndObject();
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

    /**
     * OpenAI's {@code CompletionUsage}: {@code prompt_tokens} counts every input token, those read from the
     * provider's prompt cache included, and {@code prompt_tokens_details} says how many were read from
     * ({@code cached_tokens}) and written to ({@code cache_write_tokens}) the cache; {@code completion_tokens} counts
     * every output token, and {@code completion_tokens_details.reasoning_tokens} how many of them were the model's
     * reasoning (0 where the provider does not count it apart, see {@link Usage}). Counts HAIA had to estimate (the
     * provider reported none) say so: {@code "estimated": true}, a field of HAIA's own that clients ignore or show.
     */
    private static void usage(JsonGenerator g, Usage usage) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", usage.inputTokens());
        g.writeNumberField("completion_tokens", usage.outputTokens());
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", usage.cacheReadTokens());
        g.writeNumberField("cache_write_tokens", usage.cacheWriteTokens());
        g.writeEndObject();
        g.writeObjectFieldStart("completion_tokens_details");
        g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
        g.writeEndObject();
        if (usage.estimated()) {
            g.writeBooleanField("estimated", true);
        }
        g.writeEndObject();
    }

    private static void nullable(JsonGenerator g, String field, Optional<String> value) throws IOException {
        if (value.isPresent()) {
            g.writeStringField(field, value.get());
        } else {
            g.writeNullField(field);
        }
    }

    private static byte[] write(Jackson.Document document) {
        return Jackson.write(JSON, 256, document);
    }
}
