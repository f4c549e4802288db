package haia.llm.gemini;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.Part;
import haia.llm.ProtocolJson;
import haia.llm.ReasoningEffort;
import haia.llm.ResponseFormat;
import haia.llm.ToolChoice;
import haia.llm.ToolDefinition;

/**
 * HAIA's neutral request in Gemini's terms: {@code systemInstruction} (one text part per block), {@code contents}
 * with roles {@code user}/{@code model}, images as {@code inlineData}, tool calls and results as
 * {@code functionCall}/{@code functionResponse} parts (results with the tool's name, their text under {@code output}
 * or {@code error}), thought signatures back on the part they came with, tools as {@code functionDeclarations} in
 * Gemini's schema subset, and {@code generationConfig} (Gemini's temperature scale is OpenAI's 0..2; JSON output,
 * thinking).
 */
final class GeminiRequests {

    private GeminiRequests() {
    }

    static byte[] body(LlmRequest request) {
        return ProtocolJson.body(request, g -> {
            g.writeStartObject();
            if (!request.system().isEmpty()) {
                g.writeObjectFieldStart("systemInstruction");
                g.writeArrayFieldStart("parts");
                for (String block : request.system()) {
                    g.writeStartObject();
                    g.writeStringField("text", block);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeArrayFieldStart("contents");
            for (LlmMessage message : request.messages()) {
                g.writeStartObject();
                g.writeStringField("role", message.role() == LlmMessage.Role.USER ? "user" : "model");
                g.writeArrayFieldStart("parts");
                if (message.role() == LlmMessage.Role.USER) {
                    userParts(g, message.parts());
                } else {
                    modelParts(g, message.parts());
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            tools(g, request);
            generationConfig(g, request);
            g.writeEndObject();
        });
    }

    private static void userParts(JsonGenerator g, List<Part> parts) throws IOException {
        int written = 0;
        for (Part part : parts) {
            switch (part) {
                case Part.Text text when !text.text().isEmpty() -> {
                    g.writeStartObject();
                    g.writeStringField("text", text.text());
                    g.writeEndObject();
                    written++;
                }
                case Part.Image image -> {
                    inlineData(g, image);
                    written++;
                }
                case Part.ToolResult result -> {
                    g.writeStartObject();
                    g.writeObjectFieldStart("functionResponse");
                    g.writeStringField("name", result.toolName());
                    g.writeObjectFieldStart("response");   // must be an object: the text under output or error
                    g.writeStringField(result.error() ? "error" : "output", result.text());
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndObject();
                    written++;
                    for (Part inner : result.content()) {
                        if (inner instanceof Part.Image image) {
                            inlineData(g, image);
                        }
                    }
                }
                default -> {
                    // empty text; tool calls and thinking are the model's
                }
            }
        }
        if (written == 0) {
            emptyText(g);
        }
    }

    /**
     * The model's parts as it sent them: text and function calls, each with the thought signature that came with
     * it (Gemini 3 refuses a tool loop without them). Thought text is not sent back.
     */
    private static void modelParts(JsonGenerator g, List<Part> parts) throws IOException {
        String signature = null;
        int written = 0;
        for (Part part : parts) {
            switch (part) {
                case Part.Thinking thinking -> {
                    if (GeminiProvider.DESCRIPTOR.type().equals(thinking.provider())
                            && thinking.signature().isPresent()) {
                        signature = thinking.signature().get();
                    }
                }
                case Part.Text text when !text.text().isEmpty() -> {
                    g.writeStartObject();
                    g.writeStringField("text", text.text());
                    signature = signature(g, signature);
                    g.writeEndObject();
                    written++;
                }
                case Part.ToolCall call -> {
                    g.writeStartObject();
                    g.writeObjectFieldStart("functionCall");
                    g.writeStringField("name", call.name());
                    g.writeFieldName("args");
                    g.writeTree(ProtocolJson.argumentsObject(call.arguments()));
                    g.writeEndObject();
                    signature = signature(g, signature);
                    g.writeEndObject();
                    written++;
                }
                default -> {
                    // empty text
                }
            }
        }
        if (written == 0) {
            emptyText(g);
        }
    }

    private static String signature(JsonGenerator g, String signature) throws IOException {
        if (signature != null) {
            g.writeStringField("thoughtSignature", signature);
        }
        return null;
    }

    /** Gemini refuses a content without parts. */
    private static void emptyText(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("text", "(nothing)");
        g.writeEndObject();
    }

    /** Bytes only: {@code fileData} takes Google's own file URIs, so HAIA fetched any http(s) image before. */
    private static void inlineData(JsonGenerator g, Part.Image image) throws IOException {
        if (!(image.source() instanceof Part.Image.Inline inline)) {
            throw new IllegalStateException("Gemini takes image bytes only; HAIA fetches URLs before");
        }
        g.writeStartObject();
        g.writeObjectFieldStart("inlineData");
        g.writeStringField("mimeType", inline.mediaType());
        g.writeFieldName("data");
        g.writeBinary(inline.data());   // base64 straight into the body: no second and third copy as text
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void tools(JsonGenerator g, LlmRequest request) throws IOException {
        if (!request.tools().offered()) {
            return;
        }
        g.writeArrayFieldStart("tools");
        g.writeStartObject();
        g.writeArrayFieldStart("functionDeclarations");
        for (ToolDefinition tool : request.tools().tools()) {
            g.writeStartObject();
            g.writeStringField("name", tool.name());
            if (!tool.description().isEmpty()) {
                g.writeStringField("description", tool.description());
            }
            if (!GeminiSchema.empty(tool.parameters())) {
                g.writeFieldName("parameters");
                g.writeTree(GeminiSchema.of(tool.parameters()));
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
        g.writeObjectFieldStart("toolConfig");
        g.writeObjectFieldStart("functionCallingConfig");
        switch (request.tools().choice()) {
            case ToolChoice.Auto auto -> g.writeStringField("mode", "AUTO");
            case ToolChoice.None none -> g.writeStringField("mode", "NONE");
            case ToolChoice.Required required -> g.writeStringField("mode", "ANY");
            case ToolChoice.Named named -> {
                g.writeStringField("mode", "ANY");
                g.writeArrayFieldStart("allowedFunctionNames");
                g.writeString(named.name());
                g.writeEndArray();
            }
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void generationConfig(JsonGenerator g, LlmRequest request) throws IOException {
        var sampling = request.sampling();
        g.writeObjectFieldStart("generationConfig");
        g.writeNumberField("maxOutputTokens", request.maxTokens());
        if (sampling.temperature().isPresent()) {
            g.writeNumberField("temperature", sampling.temperature().getAsDouble());
        }
        if (sampling.topP().isPresent()) {
            g.writeNumberField("topP", sampling.topP().getAsDouble());
        }
        ProtocolJson.strings(g, "stopSequences", sampling.stop());
        if (sampling.seed().isPresent()) {
            g.writeNumberField("seed", sampling.seed().getAsLong());
        }
        if (sampling.frequencyPenalty().isPresent()) {
            g.writeNumberField("frequencyPenalty", sampling.frequencyPenalty().getAsDouble());
        }
        if (sampling.presencePenalty().isPresent()) {
            g.writeNumberField("presencePenalty", sampling.presencePenalty().getAsDouble());
        }
        if (request.responseFormat().json()) {
            g.writeStringField("responseMimeType", "application/json");
            if (request.responseFormat() instanceof ResponseFormat.JsonSchema schema) {
                g.writeFieldName("responseSchema");
                g.writeTree(GeminiSchema.of(schema.schema()));
            }
        }
        if (request.reasoning().isPresent()) {
            thinkingConfig(g, request.model(), request.reasoning().get());
        }
        g.writeEndObject();
    }

    /**
     * Gemini 3 takes a thinking level, Gemini 2.5 a token budget (0 turns a Flash model's thinking off). Thoughts
     * come back as reasoning only when asked for.
     */
    private static void thinkingConfig(JsonGenerator g, String model, ReasoningEffort effort) throws IOException {
        g.writeObjectFieldStart("thinkingConfig");
        g.writeBooleanField("includeThoughts", effort.thinks());
        if (model.replaceFirst("^models/", "").startsWith("gemini-3")) {
            g.writeStringField("thinkingLevel", switch (effort) {
                case NONE, MINIMAL, LOW -> "low";
                case MEDIUM, HIGH, XHIGH -> "high";
            });
        } else {
            g.writeNumberField("thinkingBudget", switch (effort) {
                case NONE -> 0;
                case MINIMAL -> 512;
                case LOW -> 2048;
                case MEDIUM -> 8192;
                case HIGH -> 16384;
                case XHIGH -> 24576;
            });
        }
        g.writeEndObject();
    }
}
