package haia.llm.anthropic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.ToolChoice;
import haia.llm.ToolDefinition;

/**
 * HAIA's neutral request as a Messages API body, written straight to JSON. Anthropic's rules are applied here:
 * the system prompt is a top-level field; content is blocks ({@code text}, {@code image}, {@code tool_use},
 * {@code tool_result}, {@code thinking}); temperature tops out at 1 and never travels with {@code top_p}; tool-use ids
 * match {@code ^[a-zA-Z0-9_-]+$}; thinking blocks go back unchanged, and only Anthropic's own; structured output is a
 * forced call of an answer tool whose input schema is the requested one.
 */
final class AnthropicRequests {

    /**
     * The tool Claude answers through when the client asks for JSON ({@code response_format}): its input is the
     * reply. The {@code haia_} prefix is reserved, so it never collides with a client's tool.
     */
    static final String ANSWER_TOOL = "haia_json_answer";

    private AnthropicRequests() {
    }

    /** The thinking budget for an effort: Anthropic's minimum is 1024; the answer keeps its own max_tokens. */
    static int thinkingBudget(ReasoningEffort effort) {
        return switch (effort) {
            case NONE, MINIMAL -> 1024;
            case LOW -> 2048;
            case MEDIUM -> 8192;
            case HIGH -> 16384;
            case XHIGH -> 32768;
        };
    }

    /**
     * Whether Claude thinks for this request: asked for, and possible. In a tool loop the assistant message whose
     * calls are being answered must start with its thinking block; when HAIA has none for it (history it never
     * stored, or made by another provider) thinking is off for this turn rather than refused.
     */
    static boolean thinks(LlmRequest request) {
        if (!request.thinks()) {
            return false;
        }
        for (int i = request.messages().size() - 1; i >= 0; i--) {
            LlmMessage message = request.messages().get(i);
            if (message.role() == LlmMessage.Role.ASSISTANT) {
                return !message.has(Part.ToolCall.class) || message.parts(Part.Thinking.class).stream()
                        .anyMatch(AnthropicRequests::ours);
            }
        }
        return true;
    }

    static byte[] body(LlmRequest request, boolean stream) {
        boolean thinks = thinks(request);
        AnthropicCache.Breakpoints cache = AnthropicCache.of(request, request.tools().offered()
                || request.responseFormat().json());
        return ProtocolJson.body(request, g -> {
            g.writeStartObject();
            g.writeStringField("model", request.model());
            int budget = thinks ? thinkingBudget(request.reasoning().orElseThrow()) : 0;
            // thinking counts toward max_tokens: the reply keeps the room the client asked for
            g.writeNumberField("max_tokens", request.maxTokens() + budget);
            system(g, request.system(), cache.system());
            g.writeArrayFieldStart("messages");
            for (int i = 0; i < request.messages().size(); i++) {
                message(g, request.messages().get(i), thinks, cache.message(i));
            }
            g.writeEndArray();
            tools(g, request, cache.tools());
            if (thinks) {
                g.writeObjectFieldStart("thinking");
                g.writeStringField("type", "enabled");
                g.writeNumberField("budget_tokens", budget);
                g.writeEndObject();
            } else if (request.sampling().temperature().isPresent()) {
                g.writeNumberField("temperature", Math.min(1.0, request.sampling().temperature().getAsDouble()));
            } else if (request.sampling().topP().isPresent()) {
                g.writeNumberField("top_p", request.sampling().topP().getAsDouble());
            }
            ProtocolJson.strings(g, "stop_sequences", request.sampling().stop());
            if (request.sampling().user().isPresent()) {
                g.writeObjectFieldStart("metadata");
                g.writeStringField("user_id", opaqueUserId(request.sampling().user().get()));
                g.writeEndObject();
            }
            if (stream) {
                g.writeBooleanField("stream", true);
            }
            g.writeEndObject();
        });
    }

    /**
     * One block is a plain string; the persona and the client's system texts are separate text blocks; a cache
     * breakpoint goes on the last one.
     */
    private static void system(JsonGenerator g, List<String> blocks, boolean cached) throws IOException {
        if (blocks.size() == 1 && !cached) {
            g.writeStringField("system", blocks.getFirst());
        } else if (!blocks.isEmpty()) {
            g.writeArrayFieldStart("system");
            for (int i = 0; i < blocks.size(); i++) {
                g.writeStartObject();
                g.writeStringField("type", "text");
                g.writeStringField("text", blocks.get(i));
                if (cached && i == blocks.size() - 1) {
                    cacheControl(g);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    /** A message; a cache breakpoint goes on its last block that can carry one (not a thinking block). */
    private static void message(JsonGenerator g, LlmMessage message, boolean thinks, boolean cached)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("role", message.role() == LlmMessage.Role.USER ? "user" : "assistant");
        List<Part> blocks = new ArrayList<>(message.parts().size());
        for (Part part : message.parts()) {
            if (sent(part, thinks)) {
                blocks.add(part);
            }
        }
        int marked = -1;
        for (int i = blocks.size() - 1; cached && i >= 0 && marked < 0; i--) {
            marked = blocks.get(i) instanceof Part.Thinking ? -1 : i;
        }
        if (blocks.size() == 1 && blocks.getFirst() instanceof Part.Text text && marked < 0) {
            g.writeStringField("content", text.text());   // the common case, as compact as it gets
        } else if (blocks.isEmpty()) {
            g.writeStringField("content", "(nothing)");   // Anthropic refuses empty content
        } else {
            g.writeArrayFieldStart("content");
            for (int i = 0; i < blocks.size(); i++) {
                block(g, blocks.get(i), thinks, i == marked);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** Whether a part becomes a block: empty text does not (Anthropic rejects it), nor thinking it must not see. */
    private static boolean sent(Part part, boolean thinks) {
        return switch (part) {
            case Part.Text text -> !text.text().isEmpty();
            case Part.Thinking thinking -> thinks && ours(thinking);
            default -> true;
        };
    }

    private static void block(JsonGenerator g, Part part, boolean thinks, boolean cached) throws IOException {
        switch (part) {
            case Part.Text text -> {
                g.writeStartObject();
                g.writeStringField("type", "text");
                g.writeStringField("text", text.text());
                cacheControl(g, cached);
                g.writeEndObject();
            }
            case Part.Image image -> image(g, image, cached);
            case Part.ToolCall call -> {
                g.writeStartObject();
                g.writeStringField("type", "tool_use");
                g.writeStringField("id", toolUseId(call.id()));
                g.writeStringField("name", call.name());
                g.writeFieldName("input");
                g.writeTree(ProtocolJson.argumentsObject(call.arguments()));
                cacheControl(g, cached);
                g.writeEndObject();
            }
            case Part.ToolResult result -> {
                g.writeStartObject();
                g.writeStringField("type", "tool_result");
                g.writeStringField("tool_use_id", toolUseId(result.callId()));
                if (result.content().stream().allMatch(p -> p instanceof Part.Text)) {
                    if (!result.text().isEmpty()) {
                        g.writeStringField("content", result.text());
                    }
                } else {
                    g.writeArrayFieldStart("content");
                    for (Part inner : result.content()) {
                        if (sent(inner, thinks)) {
                            block(g, inner, thinks, false);
                        }
                    }
                    g.writeEndArray();
                }
                if (result.error()) {
                    g.writeBooleanField("is_error", true);
                }
                cacheControl(g, cached);
                g.writeEndObject();
            }
            case Part.Thinking thinking -> {
                // only Claude's own, unchanged, and only while thinking (required in tool loops, ignored otherwise)
                g.writeStartObject();
                if (thinking.redacted().isPresent()) {
                    g.writeStringField("type", "redacted_thinking");
                    g.writeStringField("data", thinking.redacted().get());
                } else {
                    g.writeStringField("type", "thinking");
                    g.writeStringField("thinking", thinking.text());
                    g.writeStringField("signature", thinking.signature().orElseThrow());
                }
                g.writeEndObject();
            }
        }
    }

    private static void image(JsonGenerator g, Part.Image image, boolean cached) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "image");
        g.writeObjectFieldStart("source");
        switch (image.source()) {
            case Part.Image.Inline inline -> {
                g.writeStringField("type", "base64");
                g.writeStringField("media_type", inline.mediaType());
                g.writeFieldName("data");
                g.writeBinary(inline.data());   // base64 straight into the body: no copies as text
            }
            case Part.Image.Url url -> {
                g.writeStringField("type", "url");
                g.writeStringField("url", url.url().toString());
            }
            case Part.Image.Stored stored -> throw new IllegalStateException("a stored image reached a provider");
        }
        g.writeEndObject();
        cacheControl(g, cached);
        g.writeEndObject();
    }

    /** A prompt-cache breakpoint on the block being written: everything up to it is cached for 5 minutes. */
    private static void cacheControl(JsonGenerator g, boolean cached) throws IOException {
        if (cached) {
            cacheControl(g);
        }
    }

    private static void cacheControl(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("cache_control");
        g.writeStringField("type", "ephemeral");
        g.writeEndObject();
    }

    /**
     * The client's tools, and the answer tool when JSON is asked for. Claude answers in JSON by calling the answer
     * tool: it is forced unless client tools are offered too, in which case some tool must be called (a client tool
     * now, or the answer tool).
     */
    private static void tools(JsonGenerator g, LlmRequest request, boolean cached) throws IOException {
        boolean answerTool = request.responseFormat().json();
        if (!request.tools().offered() && !answerTool) {
            return;
        }
        g.writeArrayFieldStart("tools");
        List<ToolDefinition> definitions = request.tools().tools();
        for (int i = 0; i < definitions.size(); i++) {
            ToolDefinition tool = definitions.get(i);
            g.writeStartObject();
            g.writeStringField("name", tool.name());
            if (!tool.description().isEmpty()) {
                g.writeStringField("description", tool.description());
            }
            g.writeFieldName("input_schema");
            if (typed(tool.parameters())) {
                g.writeRawValue(tool.schemaJson());   // serialised once (ToolDefinition)
            } else {
                g.writeTree(inputSchema(tool.parameters()));
            }
            cacheControl(g, cached && !answerTool && i == definitions.size() - 1);
            g.writeEndObject();
        }
        if (answerTool) {
            g.writeStartObject();
            g.writeStringField("name", ANSWER_TOOL);
            g.writeStringField("description", "Give your whole answer through this tool, as its input: the reply must"
                    + " be a JSON object" + switch (request.responseFormat()) {
                        case ResponseFormat.JsonSchema schema -> " named '" + schema.name() + "'"
                                + schema.description().map(d -> " (" + d + ")").orElse("") + " matching the schema.";
                        default -> ".";
                    });
            g.writeFieldName("input_schema");
            g.writeTree(request.responseFormat() instanceof ResponseFormat.JsonSchema schema ? inputSchema(schema.schema())
                    : ProtocolJson.READER.createObjectNode().put("type", "object"));
            cacheControl(g, cached);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("tool_choice");
        ToolChoice choice = request.tools().offered() ? request.tools().choice() : ToolChoice.NONE;
        switch (choice) {
            case ToolChoice.Named named -> {
                g.writeStringField("type", "tool");
                g.writeStringField("name", named.name());
            }
            case ToolChoice.Required required -> g.writeStringField("type", "any");
            case ToolChoice.None none when answerTool -> {
                g.writeStringField("type", "tool");
                g.writeStringField("name", ANSWER_TOOL);
            }
            case ToolChoice.None none -> g.writeStringField("type", "none");
            case ToolChoice.Auto auto -> g.writeStringField("type", answerTool ? "any" : "auto");
        }
        if (request.tools().parallel().filter(parallel -> !parallel).isPresent() && !(choice instanceof ToolChoice.None)) {
            g.writeBooleanField("disable_parallel_tool_use", true);
        }
        g.writeEndObject();
    }

    /** An input schema as Claude needs it: an object (a client tool without parameters takes none). */
    private static JsonNode inputSchema(JsonNode schema) {
        if (typed(schema)) {
            return schema;
        }
        var object = ProtocolJson.READER.createObjectNode().put("type", "object");
        if (schema.isObject()) {
            object.setAll((com.fasterxml.jackson.databind.node.ObjectNode) schema.deepCopy());
            object.put("type", "object");
        }
        return object;
    }

    /** A schema Anthropic takes as it is: an object with a type. */
    private static boolean typed(JsonNode schema) {
        return schema.isObject() && schema.has("type");
    }

    /**
     * A tool call id as Anthropic accepts it ({@code ^[a-zA-Z0-9_-]+$}, here at most 64 characters): ids from other
     * providers or clients ({@code functions.search:0}) are rewritten the same way in the call and in its result.
     */
    static String toolUseId(String id) {
        String clean = id.replaceAll("[^a-zA-Z0-9_-]", "_");
        if (clean.equals(id) && !id.isEmpty() && id.length() <= 64) {
            return id;
        }
        String hash = sha256(id).substring(0, 12);
        return (clean.length() > 51 ? clean.substring(0, 51) : clean) + "_" + hash;
    }

    static boolean ours(Part.Thinking thinking) {
        return AnthropicProvider.DESCRIPTOR.type().equals(thinking.provider())
                && (thinking.signature().isPresent() || thinking.redacted().isPresent());
    }

    /** Anthropic asks for an opaque user id (no names or e-mail addresses): send a hash of what the client sent. */
    private static String opaqueUserId(String user) {
        return sha256(user);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The schema's declared type, when it has one. */
    static Optional<String> type(JsonNode schema) {
        return ProtocolJson.text(schema.path("type"));
    }
}
