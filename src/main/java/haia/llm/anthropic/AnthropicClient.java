package haia.llm.anthropic;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.json.Jackson;
import haia.llm.Cancellation;
import haia.llm.ErrorCategory;
import haia.llm.FinishReason;
import haia.llm.LlmClient;
import haia.llm.LlmEvent;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.RequestJson;
import haia.llm.SseReader;
import haia.llm.StreamedReply;
import haia.llm.UpstreamHttp;
import haia.llm.UpstreamCall;
import haia.llm.UpstreamErrors;
import haia.llm.Usage;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * Claude through Anthropic's Messages API ({@code POST /v1/messages}), blocking and streaming, over Helidon's web
 * client. Anthropic's rules are applied here and nowhere else: the system prompt is a top-level field, temperature
 * tops out at 1, {@code temperature} and {@code top_p} are never sent together, stop reasons and error types are
 * translated into HAIA's neutral ones.
 */
public final class AnthropicClient implements LlmClient {

    static final String API_VERSION = "2023-06-01";

    private final String name;
    private final UpstreamHttp http;
    private final UpstreamCall call;
    private final URI baseUrl;
    private final URI messagesUri;
    private final Secret apiKey;
    private static final JsonFactory JSON_FACTORY = Jackson.factory();
    private final ObjectMapper json = new ObjectMapper(JSON_FACTORY);

    public AnthropicClient(HaiaConfig.Provider settings, UpstreamHttp.Settings upstream) {
        this.name = settings.name();
        this.apiKey = settings.apiKey().orElseThrow(() -> new IllegalArgumentException("Anthropic needs an API key"));
        this.baseUrl = settings.baseUrl();
        this.messagesUri = UpstreamHttp.endpoint(settings.baseUrl(), "/v1/messages");
        this.http = UpstreamHttp.client(settings, upstream);
        this.call = new UpstreamCall(name, upstream);
    }

    @Override
    public String provider() {
        return name;
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        return call.reply(() -> post(request, false), cancellation, this::failure, (headers, body) -> {
            // the whole body first: Jackson reading Helidon's entity stream directly pulls it in tiny pieces
            JsonNode message = json.readTree(body.readAllBytes());
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
                                   AnthropicUsage.of(usage),
                                   message.path("model").asText(request.model()),
                                   requestId(headers));
        });
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        call.streaming(() -> post(request, true), cancellation, events, this::failure,
                       (headers, body, reply) -> readStream(request, headers, body, reply));
    }

    /**
     * Follows Anthropic's event sequence: {@code message_start} (model, usage so far: input and cache tokens),
     * text deltas, {@code message_delta} (stop reason, cumulative usage), {@code message_stop}; {@code ping} and block
     * boundaries carry nothing; an {@code error} event ends the stream with a failure.
     */
    private boolean readStream(LlmRequest request, Headers headers, InputStream body, StreamedReply reply)
            throws IOException {
        Optional<String> requestId = requestId(headers);
        SseReader sse = new SseReader(body);
        String model = request.model();
        Usage usage = Usage.NONE;
        String stopReason = null;
        Optional<SseReader.Event> next;
        while ((next = sse.next()).isPresent()) {
            JsonNode data = json.readTree(next.get().data());
            String type = data.path("type").asText(next.get().name());
            switch (type) {
                case "message_start" -> {
                    JsonNode message = data.path("message");
                    model = message.path("model").asText(model);
                    usage = AnthropicUsage.of(message.path("usage"));
                }
                case "content_block_delta" -> {
                    JsonNode delta = data.path("delta");
                    if ("text_delta".equals(delta.path("type").asText())) {
                        reply.add(delta.path("text").asText(""));
                    }
                }
                case "message_delta" -> {
                    JsonNode delta = data.path("delta");
                    if (delta.hasNonNull("stop_reason")) {
                        stopReason = delta.get("stop_reason").asText();
                    }
                    usage = AnthropicUsage.update(usage, data.path("usage"));
                }
                case "message_stop" -> {
                    return reply.complete(finishReason(stopReason), usage, model, requestId);
                }
                case "error" -> {
                    return reply.fail(streamError(data.path("error"), requestId));
                }
                default -> {
                    // ping, content_block_start/stop and future event types carry no text
                }
            }
        }
        return false;
    }

    /**
     * Whether Anthropic accepts HAIA's key and knows the model: {@code GET /v1/models/{model}} (aliases resolve, an
     * unknown model is a 404), the cheapest call that checks both.
     */
    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        URI uri = UpstreamHttp.endpoint(baseUrl, "/v1/models/" + URLEncoder.encode(upstreamModel, StandardCharsets.UTF_8));
        return call.modelLookup(() -> http.get(uri, get -> get
                .header(HeaderNames.create("x-api-key"), apiKey.reveal())
                .header(HeaderNames.create("anthropic-version"), API_VERSION)), this::failure,
                "Anthropic does not know the model '" + upstreamModel + "'; use one that GET /v1/models lists for"
                        + " your key (HAIA_MODEL or upstream-model)");
    }

    private HttpClientResponse post(LlmRequest request, boolean stream) {
        byte[] body = requestBody(request, stream);
        return http.post(messagesUri, post -> post
                .header(HeaderNames.create("x-api-key"), apiKey.reveal())
                .header(HeaderNames.create("anthropic-version"), API_VERSION)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(HeaderNames.ACCEPT, stream ? "text/event-stream" : "application/json"), body);
    }

    /**
     * HAIA's neutral request in Anthropic's terms, written straight to JSON: the system prompt is a top-level field,
     * temperature is capped at Anthropic's 1 (OpenAI's scale goes to 2), and {@code temperature} wins over
     * {@code top_p}, since newer Claude models reject the two together.
     */
    static byte[] requestBody(LlmRequest request, boolean stream) {
        return Jackson.write(JSON_FACTORY, 512 + request.messages().size() * 256, g -> {
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
            RequestJson.strings(g, "stop_sequences", request.stop());
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

    /** A non-200 answer; its request id from the header, else from the error body (Anthropic sends both). */
    private LlmException failure(HttpClientResponse response) {
        UpstreamCall.ErrorBody body = UpstreamCall.readError(response, json);
        String detail = body.json().flatMap(b -> UpstreamCall.text(b.path("error").path("message"))).orElse(body.text());
        Optional<String> requestId = requestId(response.headers())
                .or(() -> body.json().flatMap(b -> UpstreamCall.text(b.path("request_id"))));
        return UpstreamErrors.httpFailure(name, response.status().code(), detail, response.headers(), requestId);
    }

    /** An {@code error} event sent after HTTP 200: its type says what HTTP status it stands for. */
    private LlmException streamError(JsonNode error, Optional<String> requestId) {
        String type = error.path("type").asText("api_error");
        int status = switch (type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
        String message = "The anthropic upstream failed mid-stream (" + type + "): "
                + error.path("message").asText("no details");
        ErrorCategory category = UpstreamErrors.categoryOf(status);
        return new LlmException(category, name, status, message, Optional.empty(), requestId, null);
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

    private static Optional<String> requestId(Headers headers) {
        return UpstreamErrors.header(headers, "request-id");
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "AnthropicClient[" + messagesUri + "]";
    }

}
