package haia.llm.openai;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.ResponseFormat;
import haia.llm.ToolChoice;
import haia.llm.ToolDefinition;

/**
 * HAIA's neutral request as a Chat Completions body: the system prompt as the first message; a user message's tool
 * results as {@code tool} messages before it; images as {@code image_url} parts (data URLs, or the client's http(s)
 * URL); assistant tool calls with {@code content: null} when there is no text; {@code reasoning_content} back in the
 * current tool loop where the server sent one (DeepSeek wants it); tools, tool choice, response format and reasoning
 * effort passed through as the client sent them.
 */
final class OpenAiRequests {

    private OpenAiRequests() {
    }

    static byte[] body(LlmRequest request, boolean stream, String tokenLimitField) {
        return ProtocolJson.body(request, g -> {
            g.writeStartObject();
            g.writeStringField("model", request.model());
            g.writeArrayFieldStart("messages");
            if (!request.system().isEmpty()) {
                g.writeStartObject();
                g.writeStringField("role", "system");
                g.writeStringField("content", request.systemText());
                g.writeEndObject();
            }
            int turnStart = request.currentTurnStart();
            List<Part> carriedImages = new ArrayList<>();
            for (int i = 0; i < request.messages().size(); i++) {
                LlmMessage message = request.messages().get(i);
                if (message.role() == LlmMessage.Role.USER) {
                    user(g, message, carriedImages);
                } else {
                    assistant(g, message, i >= turnStart);
                }
            }
            g.writeEndArray();
            g.writeNumberField(tokenLimitField, request.maxTokens());
            sampling(g, request);
            tools(g, request);
            format(g, request.responseFormat());
            if (request.reasoning().isPresent()) {
                g.writeStringField("reasoning_effort", request.reasoning().get().wireName());
            }
            if (stream) {
                g.writeBooleanField("stream", true);
                g.writeObjectFieldStart("stream_options");
                g.writeBooleanField("include_usage", true);
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }


    /**
     * Tool results first, as {@code tool} messages (text only: OpenAI's tool messages cannot hold images, so a
     * result's images follow in the next user message), then the user's own parts.
     */
    private static void user(JsonGenerator g, LlmMessage message, List<Part> carriedImages) throws IOException {
        List<Part> rest = new ArrayList<>();
        for (Part part : message.parts()) {
            if (part instanceof Part.ToolResult result) {
                g.writeStartObject();
                g.writeStringField("role", "tool");
                g.writeStringField("tool_call_id", result.callId());
                g.writeStringField("content", (result.error() ? "Error: " : "") + result.text());
                g.writeEndObject();
                result.content().stream().filter(Part.Image.class::isInstance).forEach(carriedImages::add);
            } else {
                rest.add(part);
            }
        }
        if (!carriedImages.isEmpty()) {
            rest.addAll(0, carriedImages);
            carriedImages.clear();
        }
        if (rest.isEmpty()) {
            return;
        }
        g.writeStartObject();
        g.writeStringField("role", "user");
        if (rest.stream().allMatch(p -> p instanceof Part.Text)) {
            g.writeStringField("content", Part.text(rest));
        } else {
            g.writeArrayFieldStart("content");
            for (Part part : rest) {
                switch (part) {
                    case Part.Text text -> {
                        g.writeStartObject();
                        g.writeStringField("type", "text");
                        g.writeStringField("text", text.text());
                        g.writeEndObject();
                    }
                    case Part.Image image -> {
                        g.writeStartObject();
                        g.writeStringField("type", "image_url");
                        g.writeObjectFieldStart("image_url");
                        g.writeStringField("url", url(image));
                        g.writeEndObject();
                        g.writeEndObject();
                    }
                    default -> {
                        // tool calls and thinking are the assistant's
                    }
                }
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    static String url(Part.Image image) {
        return switch (image.source()) {
            case Part.Image.Inline inline -> "data:" + inline.mediaType() + ";base64,"
                    + Base64.getEncoder().encodeToString(inline.data());
            case Part.Image.Url url -> url.url().toString();
            case Part.Image.Stored stored -> throw new IllegalStateException("a stored image reached a provider");
        };
    }

    private static void assistant(JsonGenerator g, LlmMessage message, boolean currentTurn) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", "assistant");
        List<Part.ToolCall> calls = message.parts(Part.ToolCall.class);
        String text = message.text();
        if (text.isEmpty() && !calls.isEmpty()) {
            g.writeNullField("content");
        } else {
            g.writeStringField("content", text);
        }
        String reasoning = currentTurn ? message.thinkingOf(OpenAiProvider.DESCRIPTOR.type()) : "";
        if (!reasoning.isEmpty()) {
            g.writeStringField("reasoning_content", reasoning);   // DeepSeek wants it back within the tool loop
        }
        ProtocolJson.toolCalls(g, calls);
        g.writeEndObject();
    }

    private static void sampling(JsonGenerator g, LlmRequest request) throws IOException {
        ProtocolJson.sampling(g, request.sampling());
        if (request.sampling().user().isPresent()) {
            g.writeStringField("user", request.sampling().user().get());
        }
    }

    private static void tools(JsonGenerator g, LlmRequest request) throws IOException {
        if (!request.tools().offered()) {
            return;
        }
        g.writeArrayFieldStart("tools");
        for (ToolDefinition tool : request.tools().tools()) {
            g.writeStartObject();
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", tool.name());
            if (!tool.description().isEmpty()) {
                g.writeStringField("description", tool.description());
            }
            g.writeFieldName("parameters");
            g.writeRawValue(tool.schemaJson());   // serialised once (ToolDefinition)
            if (tool.strict().isPresent()) {
                g.writeBooleanField("strict", tool.strict().get());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        switch (request.tools().choice()) {
            case ToolChoice.Auto auto -> g.writeStringField("tool_choice", "auto");
            case ToolChoice.None none -> g.writeStringField("tool_choice", "none");
            case ToolChoice.Required required -> g.writeStringField("tool_choice", "required");
            case ToolChoice.Named named -> {
                g.writeObjectFieldStart("tool_choice");
                g.writeStringField("type", "function");
                g.writeObjectFieldStart("function");
                g.writeStringField("name", named.name());
                g.writeEndObject();
                g.writeEndObject();
            }
        }
        if (request.tools().parallel().isPresent()) {
            g.writeBooleanField("parallel_tool_calls", request.tools().parallel().get());
        }
    }

    private static void format(JsonGenerator g, ResponseFormat format) throws IOException {
        switch (format) {
            case ResponseFormat.Text text -> {
                // the default: nothing to say
            }
            case ResponseFormat.JsonObject json -> {
                g.writeObjectFieldStart("response_format");
                g.writeStringField("type", "json_object");
                g.writeEndObject();
            }
            case ResponseFormat.JsonSchema schema -> {
                g.writeObjectFieldStart("response_format");
                g.writeStringField("type", "json_schema");
                g.writeObjectFieldStart("json_schema");
                g.writeStringField("name", schema.name());
                if (schema.description().isPresent()) {
                    g.writeStringField("description", schema.description().get());
                }
                g.writeFieldName("schema");
                g.writeTree(schema.schema());
                if (schema.strict().isPresent()) {
                    g.writeBooleanField("strict", schema.strict().get());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
        }
    }
}
