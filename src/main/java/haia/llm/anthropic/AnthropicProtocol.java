package haia.llm.anthropic;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.llm.ErrorBody;
import haia.llm.FinishReason;
import haia.llm.LlmException;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.ModelCheck;
import haia.llm.ProtocolJson;
import haia.llm.ProviderProtocol;
import haia.llm.ReplyParts;
import haia.llm.RequestProblem;
import haia.llm.ResponseFormat;
import haia.llm.StreamDecoder;
import haia.llm.UpstreamErrors;
import haia.llm.UpstreamHead;
import haia.llm.UpstreamHttp;
import haia.llm.UpstreamRequest;
import haia.llm.Usage;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) as pure mapping: the request body ({@link AnthropicRequests}),
 * the reply's content blocks (text, thinking with its signature, tool use; the answer tool's input as the reply's
 * text), the stream ({@link AnthropicStream}), stop reasons, usage and error types in HAIA's neutral terms.
 */
final class AnthropicProtocol implements ProviderProtocol {

    static final String API_VERSION = "2023-06-01";
    private static final String TYPE = "anthropic";

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

    /**
     * What Claude's API refuses: more pictures, or larger ones, than it takes ({@link AnthropicLimits}); extended
     * thinking under a forced tool choice, with a changed temperature or a narrow top_p, or together with structured
     * output (which HAIA gets from Claude through a forced tool call); and an answer schema that is not an object (a
     * tool's input is one).
     */
    @Override
    public Optional<RequestProblem> problem(LlmRequest request) {
        Optional<RequestProblem> pictures = AnthropicLimits.pictures(request);
        if (pictures.isPresent()) {
            return pictures;
        }
        if (request.responseFormat() instanceof ResponseFormat.JsonSchema schema
                && AnthropicRequests.type(schema.schema()).filter(t -> !t.equals("object")).isPresent()) {
            return Optional.of(new RequestProblem("response_format", "Claude answers structured output as a JSON"
                    + " object: response_format.json_schema.schema must have type object"));
        }
        if (!request.thinks()) {
            return Optional.empty();
        }
        if (request.tools().offered() && request.tools().choice().forced()) {
            return Optional.of(new RequestProblem("tool_choice", "Claude cannot use extended thinking"
                    + " (reasoning_effort) while a tool call is forced (tool_choice required or a named tool): leave"
                    + " one of them out"));
        }
        if (request.responseFormat().json()) {
            return Optional.of(new RequestProblem("response_format", "Claude cannot use extended thinking"
                    + " (reasoning_effort) together with response_format: HAIA gets structured output from Claude"
                    + " through a forced tool call, which thinking does not allow; leave one of them out"));
        }
        if (request.sampling().temperature().isPresent()) {
            return Optional.of(new RequestProblem("temperature", "Claude's extended thinking (reasoning_effort) works"
                    + " only at its own temperature: leave temperature out"));
        }
        if (request.sampling().topP().isPresent() && request.sampling().topP().getAsDouble() < 0.95) {
            return Optional.of(new RequestProblem("top_p", "Claude's extended thinking (reasoning_effort) allows"
                    + " top_p from 0.95 to 1 only"));
        }
        return Optional.empty();
    }

    @Override
    public UpstreamRequest request(LlmRequest request, boolean stream) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        headers.put("accept", stream ? "text/event-stream" : "application/json");
        return UpstreamRequest.post(messagesUri, headers, AnthropicRequests.body(request, stream));
    }

    private Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-api-key", apiKey.reveal());
        headers.put("anthropic-version", API_VERSION);
        return headers;
    }

    @Override
    public LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException {
        JsonNode message = ProtocolJson.READER.readTree(body);
        if (message == null || !message.path("content").isArray()) {
            throw UpstreamErrors.protocolFailure(name, "the reply has no content array", null);
        }
        ReplyParts parts = new ReplyParts(TYPE);
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> parts.text(block.path("text").asText(""));
                case "thinking" -> {
                    parts.thinking(block.path("thinking").asText(""));
                    parts.signature(block.path("signature").asText(""));
                }
                case "redacted_thinking" -> parts.redactedThinking(block.path("data").asText(""));
                case "tool_use" -> {
                    String input = ProtocolJson.compact(block.path("input").isObject() ? block.path("input")
                            : ProtocolJson.READER.createObjectNode());
                    if (AnthropicRequests.ANSWER_TOOL.equals(block.path("name").asText())) {
                        parts.text(input);   // structured output: the answer tool's input is the reply
                    } else {
                        int index = parts.toolCall(block.path("id").asText(), block.path("name").asText());
                        parts.toolArguments(index, input);
                    }
                }
                default -> {
                    // server tool blocks and future types carry nothing for the client
                }
            }
        }
        JsonNode usage = message.path("usage");
        return parts.response(finishReason(message.path("stop_reason").asText(null), parts.toolCalls() > 0),
                              AnthropicUsage.of(usage),
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

    /**
     * @param toolCalls whether the reply holds calls of the client's tools: a {@code tool_use} stop that only called
     *                  the answer tool is a finished answer
     */
    static FinishReason finishReason(String stopReason, boolean toolCalls) {
        if (stopReason == null) {
            return FinishReason.STOP;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;   // end_turn, stop_sequence, pause_turn
        };
    }

    static Optional<String> requestId(UpstreamHead head) {
        return head.header("request-id");
    }

    @Override
    public String toString() {
        return "anthropic " + messagesUri;
    }
}
