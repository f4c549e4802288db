package haia.llm.anthropic;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.llm.ErrorBody;
import haia.llm.FinishReason;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.ModelCheck;
import haia.llm.ProtocolJson;
import haia.llm.ProviderProtocol;
import haia.llm.StreamDecoder;
import haia.llm.UpstreamErrors;
import haia.llm.UpstreamHead;
import haia.llm.UpstreamHttp;
import haia.llm.UpstreamRequest;
import haia.llm.Usage;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) as pure mapping. Anthropic's rules are applied here and
 * nowhere else: the system prompt is a top-level field, temperature tops out at 1, {@code temperature} and
 * {@code top_p} are never sent together, stop reasons and error types are translated into HAIA's neutral ones.
 */
final class AnthropicProtocol implements ProviderProtocol {

    static final String API_VERSION = "2023-06-01";

    private final String name;
    private final URI baseUrl;
    private final URI messagesUri;
    private final Secret apiKey;

    AnthropicProtocol(HaiaConfig.Provider settings) {
        this.name = settings.name();
        this.apiKey = settings.apiKey().orElseThrow(() -> new IllegalArgumentException("Anthropic needs an API key"));
        this.baseUrl = settings.baseUrl();
        this.messagesUri = UpstreamHttp.endpoint(settings.baseUrl(), "/v1/messages");
    }

    @Override
    public UpstreamRequest request(LlmRequest request, boolean stream) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        headers.put("accept", stream ? "text/event-stream" : "application/json");
        return UpstreamRequest.post(messagesUri, headers, requestBody(request, stream));
    }

    private Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-api-key", apiKey.reveal());
        headers.put("anthropic-version", API_VERSION);
        return headers;
    }

    /**
     * HAIA's neutral request in Anthropic's terms, written straight to JSON: the system prompt is a top-level field,
     * temperature is capped at Anthropic's 1 (OpenAI's scale goes to 2), and {@code temperature} wins over
     * {@code top_p}, since newer Claude models reject the two together.
     */
    static byte[] requestBody(LlmRequest request, boolean stream) {
        return ProtocolJson.body(request, g -> {
            g.writeStartObject();
            g.writeStringField("model", request.model());
            g.writeNumberField("max_tokens", request.maxTokens());
            if (request.system().filter(s -> !s.isBlank()).isPresent()) {
                g.writeStringField("system", request.system().get());
            }
            g.writeArrayFieldStart("messages");
            for (LlmMessage message : request.messages()) {
                g.writeStartObject();
                g.writeStringField("role", message.role() == LlmMessage.Role.USER ? "user" : "assistant");
                g.writeStringField("content", message.text());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (request.temperature().isPresent()) {
                g.writeNumberField("temperature", Math.min(1.0, request.temperature().getAsDouble()));
            } else if (request.topP().isPresent()) {
                g.writeNumberField("top_p", request.topP().getAsDouble());
            }
            ProtocolJson.strings(g, "stop_sequences", request.stop());
            if (request.user().isPresent()) {
                g.writeObjectFieldStart("metadata");
                g.writeStringField("user_id", opaqueUserId(request.user().get()));
                g.writeEndObject();
            }
            if (stream) {
                g.writeBooleanField("stream", true);
            }
            g.writeEndObject();
        });
    }

    /** Anthropic asks for an opaque user id (no names or e-mail addresses): send a hash of what the client sent. */
    private static String opaqueUserId(String user) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(user.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException {
        JsonNode message = ProtocolJson.READER.readTree(body);
        if (message == null || !message.path("content").isArray()) {
            throw UpstreamErrors.protocolFailure(name, "the reply has no content array", null);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : message.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText(""));
            }
        }
        JsonNode usage = message.path("usage");
        return new LlmResponse(text.toString(), finishReason(message.path("stop_reason").asText(null)),
                               new Usage(inputTokens(usage), usage.path("output_tokens").asInt(0)),
                               message.path("model").asText(request.model()), requestId(head));
    }

    @Override
    public StreamDecoder decoder(LlmRequest request, UpstreamHead head) {
        return new AnthropicStream(name, request.model(), requestId(head));
    }

    /** A non-200 answer; its request id from the header, else from the error body (Anthropic sends both). */
    @Override
    public LlmException failure(String model, UpstreamHead head, byte[] body) {
        ErrorBody error = ErrorBody.of(body);
        String detail = error.detail(ProtocolJson.text(error.root().path("error").path("message")));
        Optional<String> requestId = requestId(head).or(() -> ProtocolJson.text(error.root().path("request_id")));
        return UpstreamErrors.httpFailure(name, head, detail, requestId);
    }

    /**
     * Whether Anthropic accepts HAIA's key and knows the model: {@code GET /v1/models/{model}} (aliases resolve, an
     * unknown model is a 404), the cheapest call that checks both.
     */
    @Override
    public ModelCheck modelCheck(String upstreamModel) {
        URI uri = UpstreamHttp.endpoint(baseUrl, "/v1/models/" + URLEncoder.encode(upstreamModel, StandardCharsets.UTF_8));
        return ModelCheck.lookup(UpstreamRequest.get(uri, headers()),
                                 "Anthropic does not know the model '" + upstreamModel + "'; use one that GET /v1/models"
                                         + " lists for your key (HAIA_MODEL or upstream-model)");
    }

    static FinishReason finishReason(String stopReason) {
        if (stopReason == null) {
            return FinishReason.STOP;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;   // end_turn, stop_sequence, pause_turn
        };
    }

    /** Anthropic bills cache reads and writes separately from {@code input_tokens}; the prompt is their sum. */
    static int inputTokens(JsonNode usage) {
        return usage.path("input_tokens").asInt(0)
                + usage.path("cache_creation_input_tokens").asInt(0)
                + usage.path("cache_read_input_tokens").asInt(0);
    }

    static Optional<String> requestId(UpstreamHead head) {
        return head.header("request-id");
    }

    @Override
    public String toString() {
        return "anthropic " + messagesUri;
    }
}
