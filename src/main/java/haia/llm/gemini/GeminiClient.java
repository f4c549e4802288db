package haia.llm.gemini;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import haia.llm.UpstreamCall;
import haia.llm.UpstreamErrors;
import haia.llm.UpstreamHttp;
import haia.llm.Usage;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * Google's Gemini through the Developer API: {@code models/{model}:generateContent} and
 * {@code :streamGenerateContent?alt=sse}, key in {@code x-goog-api-key}. Gemini's rules stay here: the system prompt
 * is {@code systemInstruction}, the assistant's role is {@code model}, settings go in {@code generationConfig}, a
 * stream is data-only SSE that simply ends (no {@code [DONE]}), "thought" parts are not reply text, a blocked prompt
 * answers with {@code promptFeedback} and no candidates, and errors are Google RPC style
 * ({@code {"error":{"code","message","status","details"}}}, with the retry delay in the details).
 */
public final class GeminiClient implements LlmClient {

    private static final JsonFactory JSON_FACTORY = Jackson.factory();
    private static final String API_VERSION = "v1beta";

    private final String name;
    private final UpstreamHttp http;
    private final UpstreamCall call;
    private final String modelsBase;
    private final Secret apiKey;
    private final ObjectMapper json = new ObjectMapper(Jackson.factory());

    public GeminiClient(HaiaConfig.Provider settings, UpstreamHttp.Settings upstream) {
        this.name = settings.name();
        this.apiKey = settings.apiKey().orElseThrow(() -> new IllegalArgumentException("Gemini needs an API key"));
        this.modelsBase = UpstreamHttp.endpoint(settings.baseUrl(), "/" + API_VERSION + "/models/").toString();
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
            JsonNode reply = json.readTree(body.readAllBytes());
            if (reply == null || !reply.isObject()) {
                throw UpstreamErrors.protocolFailure(name, "the reply is not a GenerateContentResponse", null);
            }
            Optional<String> blocked = blockReason(reply);
            if (!reply.path("candidates").isArray() && blocked.isEmpty()) {
                throw UpstreamErrors.protocolFailure(name, "the reply has no candidates", null);
            }
            JsonNode candidate = reply.path("candidates").path(0);
            return new LlmResponse(text(candidate), blocked.isPresent() ? FinishReason.CONTENT_FILTER
                    : finishReason(candidate.path("finishReason").asText(null)),
                                   GeminiUsage.of(reply.path("usageMetadata")),
                                   reply.path("modelVersion").asText(request.model()),
                                   UpstreamCall.text(reply.path("responseId")));
        });
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        call.streaming(() -> post(request, true), cancellation, events, this::failure,
                       (headers, body, reply) -> readStream(request, body, reply));
    }

    /**
     * Each event is a partial GenerateContentResponse: text parts, and on the last one {@code finishReason} and the
     * full {@code usageMetadata}. The stream ends at the end of the body.
     */
    private boolean readStream(LlmRequest request, InputStream body, StreamedReply reply) throws IOException {
        SseReader sse = new SseReader(body);
        String model = request.model();
        Optional<String> id = Optional.empty();
        FinishReason finish = null;
        Usage usage = Usage.NONE;
        Optional<SseReader.Event> next;
        while ((next = sse.next()).isPresent()) {
            JsonNode chunk = json.readTree(next.get().data());
            if (chunk.path("error").isObject()) {
                return reply.fail(streamError(chunk.path("error")));
            }
            model = chunk.path("modelVersion").asText(model);
            id = id.or(() -> UpstreamCall.text(chunk.path("responseId")));
            if (chunk.path("usageMetadata").isObject()) {
                usage = GeminiUsage.of(chunk.path("usageMetadata"));
            }
            if (blockReason(chunk).isPresent()) {
                finish = FinishReason.CONTENT_FILTER;
                continue;
            }
            JsonNode candidate = chunk.path("candidates").path(0);
            reply.add(text(candidate));
            if (candidate.hasNonNull("finishReason")) {
                finish = finishReason(candidate.get("finishReason").asText());
            }
        }
        if (finish == null) {
            return false;
        }
        return reply.complete(finish, usage, model, id);
    }

    private HttpClientResponse post(LlmRequest request, boolean stream) {
        String model = URLEncoder.encode(request.model().replaceFirst("^models/", ""), StandardCharsets.UTF_8);
        URI uri = URI.create(modelsBase + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"));
        return http.post(uri, post -> post
                .header(HeaderNames.create("x-goog-api-key"), apiKey.reveal())
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(HeaderNames.ACCEPT, stream ? "text/event-stream" : "application/json"), requestBody(request));
    }

    /** Whether Gemini accepts HAIA's key and knows the model: {@code GET models/{model}} checks both. */
    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        URI uri = URI.create(modelsBase + URLEncoder.encode(upstreamModel.replaceFirst("^models/", ""),
                                                            StandardCharsets.UTF_8));
        return call.modelLookup(() -> http.get(uri, get -> get
                .header(HeaderNames.create("x-goog-api-key"), apiKey.reveal())), this::failure,
                "Gemini does not know the model '" + upstreamModel + "'; use one that GET /v1beta/models lists"
                        + " (HAIA_MODEL or upstream-model)");
    }

    /**
     * HAIA's neutral request in Gemini's terms: {@code systemInstruction}, {@code contents} with roles
     * {@code user}/{@code model}, and {@code generationConfig} (Gemini's temperature scale is OpenAI's 0..2).
     */
    static byte[] requestBody(LlmRequest request) {
        return Jackson.write(JSON_FACTORY, 512 + request.messages().size() * 256, g -> {
            g.writeStartObject();
            if (request.system().filter(s -> !s.isBlank()).isPresent()) {
                g.writeObjectFieldStart("systemInstruction");
                g.writeArrayFieldStart("parts");
                g.writeStartObject();
                g.writeStringField("text", request.system().get());
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeArrayFieldStart("contents");
            for (LlmMessage message : request.messages()) {
                g.writeStartObject();
                g.writeStringField("role", message.role() == LlmMessage.Role.USER ? "user" : "model");
                g.writeArrayFieldStart("parts");
                g.writeStartObject();
                g.writeStringField("text", message.text());
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("generationConfig");
            g.writeNumberField("maxOutputTokens", request.maxTokens());
            if (request.temperature().isPresent()) {
                g.writeNumberField("temperature", request.temperature().getAsDouble());
            }
            if (request.topP().isPresent()) {
                g.writeNumberField("topP", request.topP().getAsDouble());
            }
            RequestJson.strings(g, "stopSequences", request.stop());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** The reply text of a candidate: its text parts, without the model's "thought" parts. */
    private static String text(JsonNode candidate) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (!part.path("thought").asBoolean(false)) {
                text.append(part.path("text").asText(""));
            }
        }
        return text.toString();
    }

    private static Optional<String> blockReason(JsonNode reply) {
        return UpstreamCall.text(reply.path("promptFeedback").path("blockReason"));
    }

    /**
     * A non-200 answer. Gemini reports a wrong API key as 400 {@code INVALID_ARGUMENT} with reason
     * {@code API_KEY_INVALID}: that is an authentication failure, not a bad request. Its retry delay comes in the body.
     */
    private LlmException failure(HttpClientResponse response) {
        int status = response.status().code();
        UpstreamCall.ErrorBody body = UpstreamCall.readError(response, json);
        JsonNode error = body.json().map(b -> b.path("error")).orElse(json.missingNode());
        String detail = UpstreamCall.text(error.path("message")).orElse(body.text());
        if (apiKeyInvalid(error)) {
            return new LlmException(ErrorCategory.AUTHENTICATION, name, status,
                                    "The " + name + " upstream rejected HAIA's API key (HTTP " + status + "): " + detail,
                                    Optional.empty(), Optional.empty(), null);
        }
        LlmException failure = UpstreamErrors.httpFailure(name, status, detail, response.headers(), Optional.empty());
        Optional<Duration> delay = retryDelay(error);
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

    /** An error object sent as a stream event after HTTP 200: its {@code code} is the HTTP status it stands for. */
    private LlmException streamError(JsonNode error) {
        int status = error.path("code").asInt(500);
        if (status < 400 || status > 599) {
            status = 500;
        }
        return new LlmException(UpstreamErrors.categoryOf(status), name, status,
                                "The " + name + " upstream failed mid-stream (" + error.path("status").asText("UNKNOWN")
                                        + "): " + error.path("message").asText("no details"),
                                retryDelay(error), Optional.empty(), null);
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
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "GeminiClient[" + modelsBase + "]";
    }
}
