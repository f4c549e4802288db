package haia.llm.openai;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.ArrayList;
import java.util.List;
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
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * Any server speaking OpenAI's Chat Completions API: llama.cpp's server, vLLM, LM Studio, LocalAI, Ollama's
 * {@code /v1}, OpenAI itself. The base URL ends in {@code /v1} (the client appends {@code /chat/completions}); the
 * bearer key is optional, since local servers usually run without one.
 *
 * <p>The differences between these servers stay here: error bodies come as {@code {"error":{...}}} (OpenAI,
 * llama.cpp, newer vLLM), as a top-level {@code {"object":"error","message":...}} (older vLLM) or as
 * {@code {"error":"..."}}; a stream may end with {@code [DONE]} or just at the end of the body after its finish
 * chunk. OpenAI's own API wants the token limit as {@code max_completion_tokens} (its reasoning models reject
 * {@code max_tokens}), local servers know {@code max_tokens}; provider option {@code token-limit-field} overrides.
 */
public final class OpenAiCompatibleClient implements LlmClient {

    private static final JsonFactory JSON_FACTORY = Jackson.factory();

    private final String name;
    private final UpstreamHttp http;
    private final UpstreamCall call;
    private final URI completionsUri;
    private final URI modelsUri;
    private final String where;
    private final Optional<Secret> apiKey;
    private final String tokenLimitField;
    private final ObjectMapper json = new ObjectMapper(Jackson.factory());

    public OpenAiCompatibleClient(HaiaConfig.Provider settings, UpstreamHttp.Settings upstream) {
        this.name = settings.name();
        this.completionsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/chat/completions");
        this.modelsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/models");
        this.where = settings.where();
        this.apiKey = settings.apiKey();
        boolean openAi = "api.openai.com".equals(settings.baseUrl().getHost());
        this.tokenLimitField = Optional.ofNullable(settings.options().get("token-limit-field"))
                .filter(s -> !s.isBlank())
                .orElse(openAi ? "max_completion_tokens" : "max_tokens");
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
            JsonNode completion = json.readTree(body.readAllBytes());
            JsonNode choice = completion == null ? null : completion.path("choices").path(0);
            if (choice == null || !choice.path("message").isObject()) {
                throw UpstreamErrors.protocolFailure(name, "the reply has no choices[0].message", null);
            }
            return new LlmResponse(choice.path("message").path("content").asText(""),
                                   finishReason(choice.path("finish_reason").asText(null)),
                                   OpenAiUsage.of(completion.path("usage")),
                                   completion.path("model").asText(request.model()),
                                   requestId(headers, completion));
        });
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        call.streaming(() -> post(request, true), cancellation, events, this::failure,
                       (headers, body, reply) -> readStream(request, body, reply));
    }

    /**
     * Data-only SSE: chunks with {@code choices[0].delta.content}, one with {@code finish_reason}, then (asked for
     * with {@code include_usage}) one with empty {@code choices} and the usage, then {@code [DONE]}.
     */
    private boolean readStream(LlmRequest request, InputStream body, StreamedReply reply) throws IOException {
        SseReader sse = new SseReader(body);
        String model = request.model();
        Optional<String> id = Optional.empty();
        String finish = null;
        Usage usage = Usage.NONE;
        Optional<SseReader.Event> next;
        while ((next = sse.next()).isPresent()) {
            String data = next.get().data();
            if (data.equals("[DONE]")) {
                break;
            }
            JsonNode chunk = json.readTree(data);
            if (chunk.has("error") || "error".equals(chunk.path("object").asText())) {
                return reply.fail(streamError(chunk));
            }
            model = chunk.path("model").asText(model);
            if (id.isEmpty() && chunk.hasNonNull("id")) {
                id = Optional.of(chunk.get("id").asText());
            }
            JsonNode choice = chunk.path("choices").path(0);
            reply.add(choice.path("delta").path("content").asText(""));
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.get("finish_reason").asText();
            }
            if (chunk.path("usage").isObject()) {
                usage = OpenAiUsage.of(chunk.path("usage"));
            }
        }
        if (finish == null) {
            return false;   // [DONE] or the end of the body without a finish chunk: the reply was cut off
        }
        return reply.complete(finishReason(finish), usage, model, id);
    }

    /**
     * Whether the server accepts HAIA's key and lists the model ({@code GET {base}/models}). A server without a
     * model list (404) cannot tell; one that lists other models may still serve any name (llama.cpp serves the
     * model it loaded), so a missing name is a warning listing what the server has.
     */
    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        JsonNode list;
        try {
            list = call.blocking(() -> http.get(modelsUri, this::authorize), new Cancellation(), this::failure,
                                 (headers, body) -> json.readTree(body.readAllBytes()));
        } catch (LlmException e) {
            if (e.category() == ErrorCategory.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(model -> ids.add(model.path("id").asText()));
        if (ids.contains(upstreamModel)) {
            return Optional.empty();
        }
        return Optional.of("the server at " + where + " does not list the model '" + upstreamModel + "' (it lists: "
                                   + (ids.isEmpty() ? "nothing" : String.join(", ", ids.subList(0, Math.min(10, ids.size()))))
                                   + "); chats may fail: check HAIA_MODEL or upstream-model");
    }

    private void authorize(Http1ClientRequest request) {
        apiKey.ifPresent(key -> request.header(HeaderNames.AUTHORIZATION, "Bearer " + key.reveal()));
    }

    private HttpClientResponse post(LlmRequest request, boolean stream) {
        return http.post(completionsUri, post -> authorize(post.header(HeaderValues.CONTENT_TYPE_JSON)
                .header(HeaderNames.ACCEPT, stream ? "text/event-stream" : "application/json")),
                         requestBody(request, stream, tokenLimitField));
    }

    /** HAIA's neutral request as a Chat Completions request: the system prompt as the first message. */
    static byte[] requestBody(LlmRequest request, boolean stream, String tokenLimitField) {
        return Jackson.write(JSON_FACTORY, 512 + request.messages().size() * 256, g -> {
            g.writeStartObject();
            g.writeStringField("model", request.model());
            RequestJson.roleContentMessages(g, request);
            g.writeNumberField(tokenLimitField, request.maxTokens());
            if (request.temperature().isPresent()) {
                g.writeNumberField("temperature", request.temperature().getAsDouble());
            }
            if (request.topP().isPresent()) {
                g.writeNumberField("top_p", request.topP().getAsDouble());
            }
            RequestJson.strings(g, "stop", request.stop());
            if (stream) {
                g.writeBooleanField("stream", true);
                g.writeObjectFieldStart("stream_options");
                g.writeBooleanField("include_usage", true);
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    private LlmException failure(HttpClientResponse response) {
        return UpstreamCall.httpFailure(name, response, json, OpenAiCompatibleClient::errorMessage,
                                        UpstreamErrors.header(response.headers(), "x-request-id"));
    }

    /** The message of any of the error shapes these servers send. */
    private static Optional<String> errorMessage(JsonNode body) {
        JsonNode error = body.path("error");
        return UpstreamCall.text(error.path("message"))
                .or(() -> UpstreamCall.text(error))
                .or(() -> UpstreamCall.text(body.path("message")))
                .or(() -> UpstreamCall.text(body.path("detail")));
    }

    /**
     * An error sent as a chunk after HTTP 200. Its {@code code} is an HTTP status on llama.cpp and vLLM, a string on
     * OpenAI; {@code type} names the kind either way.
     */
    private LlmException streamError(JsonNode chunk) {
        JsonNode error = chunk.path("error").isObject() ? chunk.path("error") : chunk;
        int status = error.path("code").isInt() ? error.path("code").asInt()
                : switch (error.path("type").asText("").toLowerCase(Locale.ROOT)) {
                    case "invalid_request_error" -> 400;
                    case "authentication_error" -> 401;
                    case "permission_error" -> 403;
                    case "not_found_error" -> 404;
                    case "rate_limit_error", "rate_limit_exceeded" -> 429;
                    case "unavailable_error", "overloaded_error" -> 503;
                    default -> 500;
                };
        if (status < 400 || status > 599) {
            status = 500;
        }
        String message = "The " + name + " upstream failed mid-stream: "
                + errorMessage(chunk).orElse("no details");
        ErrorCategory category = UpstreamErrors.categoryOf(status);
        return new LlmException(category, name, status, message, Optional.empty(), Optional.empty(), null);
    }

    private static Optional<String> requestId(io.helidon.http.Headers headers, JsonNode completion) {
        return UpstreamErrors.header(headers, "x-request-id")
                .or(() -> UpstreamCall.text(completion.path("id")));
    }

    static FinishReason finishReason(String finish) {
        if (finish == null) {
            return FinishReason.STOP;
        }
        return switch (finish) {
            case "length" -> FinishReason.LENGTH;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            default -> FinishReason.STOP;   // stop, eos (some local servers), and anything new
        };
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "OpenAiCompatibleClient[" + completionsUri + "]";
    }
}
