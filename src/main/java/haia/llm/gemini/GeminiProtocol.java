package haia.llm.gemini;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.llm.ErrorBody;
import haia.llm.ErrorCategory;
import haia.llm.FinishReason;
import haia.llm.LlmException;
import haia.llm.LlmRequest;
import haia.llm.LlmResponse;
import haia.llm.ModelCheck;
import haia.llm.ProtocolJson;
import haia.llm.ProviderProtocol;
import haia.llm.ReplyParts;
import haia.llm.ReplyPieces;
import haia.llm.RequestProblem;
import haia.llm.ToolCallIds;
import haia.llm.StreamDecoder;
import haia.llm.UpstreamErrors;
import haia.llm.UpstreamHead;
import haia.llm.UpstreamHttp;
import haia.llm.UpstreamRequest;
import haia.llm.Usage;

/**
 * Gemini's Developer API as pure mapping: {@code models/{model}:generateContent} and
 * {@code :streamGenerateContent?alt=sse}, key in {@code x-goog-api-key}; the body is {@link GeminiRequests}'s. Gemini's
 * rules stay here: a stream is data-only SSE that simply ends (no {@code [DONE]}), "thought" parts are reasoning
 * (shown only when asked for), thought signatures are kept for the way back, function calls come whole and possibly
 * without ids, a blocked prompt answers with {@code promptFeedback} and no candidates, and errors are Google RPC
 * style ({@code {"error":{"code","message","status","details"}}}, with the retry delay in the details).
 */
final class GeminiProtocol implements ProviderProtocol {

    private static final String API_VERSION = "v1beta";
    private static final String TYPE = "gemini";
    /** Gemini's function names start with a letter or an underscore. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}");

    private final String name;
    private final String modelsBase;
    private final Secret apiKey;

    GeminiProtocol(HaiaConfig.Provider settings) {
        this.name = settings.name();
        this.apiKey = settings.apiKey().orElseThrow(() -> new IllegalArgumentException("Gemini needs an API key"));
        this.modelsBase = UpstreamHttp.endpoint(settings.baseUrl(), "/" + API_VERSION + "/models/").toString();
    }

    @Override
    public Optional<RequestProblem> problem(LlmRequest request) {
        for (int i = 0; i < request.tools().tools().size(); i++) {
            String tool = request.tools().tools().get(i).name();
            if (!NAME.matcher(tool).matches()) {
                return Optional.of(new RequestProblem("tools[" + i + "].function.name", "Gemini's tool names start"
                        + " with a letter or an underscore: '" + tool + "' cannot be offered to it"));
            }
        }
        return Optional.empty();
    }

    @Override
    public UpstreamRequest request(LlmRequest request, boolean stream) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        headers.put("accept", stream ? "text/event-stream" : "application/json");
        URI uri = URI.create(modelsBase + modelPath(request.model())
                                     + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"));
        return UpstreamRequest.post(uri, headers, GeminiRequests.body(request));
    }

    private Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-goog-api-key", apiKey.reveal());
        return headers;
    }

    private static String modelPath(String model) {
        return URLEncoder.encode(model.replaceFirst("^models/", ""), StandardCharsets.UTF_8);
    }

    @Override
    public LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException {
        JsonNode reply = ProtocolJson.READER.readTree(body);
        if (reply == null || !reply.isObject()) {
            throw UpstreamErrors.protocolFailure(name, "the reply is not a GenerateContentResponse", null);
        }
        Optional<String> blocked = blockReason(reply);
        if (!reply.path("candidates").isArray() && blocked.isEmpty()) {
            throw UpstreamErrors.protocolFailure(name, "the reply has no candidates", null);
        }
        JsonNode candidate = reply.path("candidates").path(0);
        ReplyParts parts = new ReplyParts(TYPE);
        for (JsonNode part : candidate.path("content").path("parts")) {
            part(part, request.thinks(), parts);
        }
        return parts.response(blocked.isPresent() ? FinishReason.CONTENT_FILTER
                                      : finishReason(candidate.path("finishReason").asText(null)),
                              GeminiUsage.of(reply.path("usageMetadata")), reply.path("modelVersion").asText(request.model()),
                              ProtocolJson.text(reply.path("responseId")));
    }

    @Override
    public StreamDecoder decoder(LlmRequest request, UpstreamHead head) {
        return new GeminiStream(name, request.model(), request.thinks());
    }

    /**
     * One part of a candidate. Its thought signature (Gemini 3 signs function calls, and may sign text) is kept before
     * the part it came with, so it goes back on that part. Thought text is reasoning when it was asked for, and
     * dropped otherwise (Gemini 2.5 thinks unasked). A function call's id may be missing: one is made up.
     */
    static void part(JsonNode part, boolean thoughtsAsked, ReplyPieces pieces) {
        ProtocolJson.text(part.path("thoughtSignature")).ifPresent(pieces::signature);
        if (part.path("thought").asBoolean(false)) {
            if (thoughtsAsked) {
                pieces.thinking(part.path("text").asText(""));
            }
        } else if (part.path("functionCall").isObject()) {
            JsonNode call = part.path("functionCall");
            int index = pieces.toolCall(ProtocolJson.text(call.path("id")).orElseGet(ToolCallIds::next),
                                        call.path("name").asText());
            pieces.toolArguments(index, ProtocolJson.compact(call.path("args").isObject() ? call.path("args")
                                                                    : ProtocolJson.READER.createObjectNode()));
        } else {
            pieces.text(part.path("text").asText(""));
        }
    }

    static Optional<String> blockReason(JsonNode reply) {
        return ProtocolJson.text(reply.path("promptFeedback").path("blockReason"));
    }

    /**
     * A non-200 answer. Gemini reports a wrong API key as 400 {@code INVALID_ARGUMENT} with reason
     * {@code API_KEY_INVALID}: that is an authentication failure, not a bad request. Its retry delay comes in the body.
     */
    @Override
    public LlmException failure(String model, UpstreamHead head, byte[] body) {
        int status = head.status();
        ErrorBody error = ErrorBody.of(body);
        JsonNode rpc = error.root().path("error");
        String detail = error.detail(ProtocolJson.text(rpc.path("message")));
        if (apiKeyInvalid(rpc)) {
            return new LlmException(ErrorCategory.AUTHENTICATION, name, status,
                                    "The " + name + " upstream rejected HAIA's API key (HTTP " + status + "): " + detail,
                                    Optional.empty(), Optional.empty(), null);
        }
        LlmException failure = UpstreamErrors.httpFailure(name, head, detail, Optional.empty());
        Optional<Duration> delay = retryDelay(rpc);
        if (failure.retryAfter().isEmpty() && delay.isPresent()) {
            return new LlmException(failure.category(), name, status, failure.getMessage(), delay, Optional.empty(),
                                    null);
        }
        return failure;
    }

    private static boolean apiKeyInvalid(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            if ("API_KEY_INVALID".equals(detail.path("reason").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Whether Gemini accepts HAIA's key and knows the model: {@code GET models/{model}} checks both. */
    @Override
    public ModelCheck modelCheck(String upstreamModel) {
        return ModelCheck.lookup(UpstreamRequest.get(URI.create(modelsBase + modelPath(upstreamModel)), headers()),
                                 "Gemini does not know the model '" + upstreamModel + "'; use one that GET"
                                         + " /v1beta/models lists (HAIA_MODEL or upstream-model)");
    }

    static FinishReason finishReason(String finish) {
        if (finish == null) {
            return FinishReason.STOP;
        }
        return switch (finish) {
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "LANGUAGE" -> FinishReason.CONTENT_FILTER;
            case "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS" -> FinishReason.TOOL_CALLS;
            default -> FinishReason.STOP;   // STOP, OTHER, FINISH_REASON_UNSPECIFIED
        };
    }

    /** Google's RetryInfo detail ({@code "retryDelay": "22s"}), which Gemini sends instead of a retry-after header. */
    static Optional<Duration> retryDelay(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            String delay = detail.path("retryDelay").asText("");
            if (delay.matches("\\d+(\\.\\d+)?s")) {
                return Optional.of(Duration.ofMillis((long) (Double.parseDouble(delay.replace("s", "")) * 1000)));
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "gemini " + modelsBase;
    }
}
