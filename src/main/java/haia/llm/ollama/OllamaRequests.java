package haia.llm.ollama;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonGenerator;

import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.ResponseFormat;
import haia.llm.ToolDefinition;

/**
 * HAIA's neutral request as an {@code /api/chat} body: the system prompt as the first message; a user message's
 * tool results as {@code tool} messages before it; images as bare base64 in {@code images}; tool calls with object
 * arguments; thinking back as {@code thinking} within the current tool loop; sampling settings and the token limit
 * ({@code num_predict}) in {@code options}; {@code format} for structured output, {@code think} for reasoning;
 * {@code stream} always explicit, since Ollama streams unless told otherwise.
 */
final class OllamaRequests {

    private OllamaRequests() {
    }

    static byte[] body(LlmRequest request, boolean stream, Optional<String> keepAlive) {
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
            int loopStart = request.currentTurnStart();
            for (int i = 0; i < request.messages().size(); i++) {
                LlmMessage message = request.messages().get(i);
                if (message.role() == LlmMessage.Role.USER) {
                    user(g, message);
                } else {
                    assistant(g, message, i >= loopStart);
                }
            }
            g.writeEndArray();
            tools(g, request);
            format(g, request.responseFormat());
            if (request.reasoning().isPresent()) {
                // Ollama takes true/false or a level (which models without levels read as true)
                switch (request.reasoning().get()) {
                    case NONE -> g.writeBooleanField("think", false);
                    case MINIMAL, LOW -> g.writeStringField("think", "low");
                    case MEDIUM -> g.writeStringField("think", "medium");
                    case HIGH, XHIGH -> g.writeStringField("think", "high");
                }
            }
            g.writeBooleanField("stream", stream);
            options(g, request);
            if (keepAlive.isPresent()) {
                g.writeStringField("keep_alive", keepAlive.get());
            }
            g.writeEndObject();
        });
    }


    private static void user(JsonGenerator g, LlmMessage message) throws IOException {
        List<Part> rest = new ArrayList<>();
        for (Part part : message.parts()) {
            if (part instanceof Part.ToolResult result) {
                g.writeStartObject();
                g.writeStringField("role", "tool");
                g.writeStringField("tool_name", result.toolName());
                g.writeStringField("tool_call_id", result.callId());
                g.writeStringField("content", (result.error() ? "Error: " : "") + result.text());
                images(g, result.content());
                g.writeEndObject();
            } else {
                rest.add(part);
            }
        }
        if (!rest.isEmpty()) {
            g.writeStartObject();
            g.writeStringField("role", "user");
            g.writeStringField("content", Part.text(rest));
            images(g, rest);
            g.writeEndObject();
        }
    }

    private static void assistant(JsonGenerator g, LlmMessage message, boolean currentTurn) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", "assistant");
        g.writeStringField("content", message.text());
        String thinking = currentTurn ? message.thinkingOf(OllamaProvider.DESCRIPTOR.type()) : "";
        if (!thinking.isEmpty()) {
            g.writeStringField("thinking", thinking);   // as Ollama's tool docs ask, within the tool loop
        }
        List<Part.ToolCall> calls = message.parts(Part.ToolCall.class);
        if (!calls.isEmpty()) {
            g.writeArrayFieldStart("tool_calls");
            for (Part.ToolCall call : calls) {
                g.writeStartObject();
                g.writeStringField("id", call.id());
                g.writeObjectFieldStart("function");
                g.writeStringField("name", call.name());
                g.writeFieldName("arguments");
                g.writeTree(ProtocolJson.argumentsObject(call.arguments()));   // an object, not OpenAI's string
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** Images as Ollama takes them: bare base64, no data URL (HAIA fetched any URL before). */
    private static void images(JsonGenerator g, List<Part> parts) throws IOException {
        List<Part.Image> images = parts.stream().filter(Part.Image.class::isInstance).map(Part.Image.class::cast).toList();
        if (images.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart("images");
        for (Part.Image image : images) {
            if (!(image.source() instanceof Part.Image.Inline inline)) {
                throw new IllegalStateException("Ollama takes image bytes only; HAIA fetches URLs before");
            }
            g.writeBinary(inline.data());   // base64 straight into the body: no second and third copy as text
        }
        g.writeEndArray();
    }

    /** The tools, unless none may be called: Ollama has no tool_choice, and tools it must not use are not offered. */
    private static void tools(JsonGenerator g, LlmRequest request) throws IOException {
        if (!request.tools().offered() || request.tools().choice() instanceof haia.llm.ToolChoice.None) {
            return;
        }
        g.writeArrayFieldStart("tools");
        for (ToolDefinition tool : request.tools().tools()) {
            g.writeStartObject();
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", tool.name());
            g.writeStringField("description", tool.description());
            g.writeFieldName("parameters");
            g.writeRawValue(tool.schemaJson());   // serialised once (ToolDefinition)
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void format(JsonGenerator g, ResponseFormat format) throws IOException {
        switch (format) {
            case ResponseFormat.JsonObject json -> g.writeStringField("format", "json");
            case ResponseFormat.JsonSchema schema -> {
                g.writeFieldName("format");
                g.writeTree(schema.schema());
            }
            case ResponseFormat.Text text -> {
                // free text: no format
            }
        }
    }

    /** The token limit and sampling settings: Ollama reads them from {@code options}, under OpenAI's names. */
    private static void options(JsonGenerator g, LlmRequest request) throws IOException {
        g.writeObjectFieldStart("options");
        g.writeNumberField("num_predict", request.maxTokens());
        ProtocolJson.sampling(g, request.sampling());
        g.writeEndObject();
    }
}
