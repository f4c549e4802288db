package haia.llm.ollama;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
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
 * A local model through Ollama's native chat API ({@code POST /api/chat}). Ollama's rules stay here: the system
 * prompt is the first message, sampling settings and the token limit go in {@code options} ({@code num_predict}),
 * streams are newline-delimited JSON ending with a {@code done: true} line that carries the stop reason and token
 * counts, errors are {@code {"error": "..."}} (as the HTTP body, or as a line mid-stream), and {@code keep_alive}
 * (provider option {@code keep-alive}) says how long Ollama keeps the model loaded after a request.
 */
public final class OllamaClient implements LlmClient {

    private static final JsonFactory JSON_FACTORY = Jackson.factory();

    private final String name;
    private final UpstreamHttp http;
    private final UpstreamCall call;
    private final URI chatUri;
    private final URI tagsUri;
    private final Optional<Secret> apiKey;
    private final Optional<String> keepAlive;
    private final String where;
    private final ObjectMapper json = new ObjectMapper(Jackson.factory());

    public OllamaClient(HaiaConfig.Provider settings, UpstreamHttp.Settings upstream) {
        this.name = settings.name();
        this.chatUri = UpstreamHttp.endpoint(settings.baseUrl(), "/api/chat");
        this.tagsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/api/tags");
        // local Ollama needs no key; ollama.com and authenticating proxies take a bearer token
        this.apiKey = settings.apiKey();
        this.where = settings.where();
        this.keepAlive = Optional.ofNullable(settings.options().get("keep-alive")).filter(s -> !s.isBlank());
        this.http = UpstreamHttp.client(settings, upstream);
        this.call = new UpstreamCall(name, upstream);
    }

    @Override
    public String provider() {
        return name;
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        return call.reply(() -> post(request, false), cancellation, r -> failure(r, request.model()), (headers, body) -> {
            JsonNode reply = json.readTree(body.readAllBytes());
            if (reply == null || !reply.path("message").isObject()) {
                throw UpstreamErrors.protocolFailure(name, "the reply has no message", null);
            }
            return new LlmResponse(reply.path("message").path("content").asText(""),
                                   finishReason(reply.path("done_reason").asText(null)), usage(reply),
                                   reply.path("model").asText(request.model()), Optional.empty());
        });
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        call.streaming(() -> post(request, true), cancellation, events, r -> failure(r, request.model()),
                       (headers, body, reply) -> readStream(request, body, reply));
    }

    /** One JSON object per line: text pieces, then a {@code done} line with the totals, or an {@code error} line. */
    private boolean readStream(LlmRequest request, InputStream body, StreamedReply reply) throws IOException {
        SseReader lines = new SseReader(body);
        Optional<String> line;
        while ((line = lines.nextLine()).isPresent()) {
            if (line.get().isBlank()) {
                continue;
            }
            JsonNode chunk = json.readTree(line.get());
            if (chunk.hasNonNull("error")) {
                return reply.fail(LlmException.of(ErrorCategory.UNAVAILABLE, name,
                                                  "The " + name + " upstream failed mid-stream: "
                                                          + chunk.get("error").asText()));
            }
            reply.add(chunk.path("message").path("content").asText(""));
            if (chunk.path("done").asBoolean(false)) {
                return reply.complete(finishReason(chunk.path("done_reason").asText(null)), usage(chunk),
                                      chunk.path("model").asText(request.model()), Optional.empty());
            }
        }
        return false;
    }

    /** {@code prompt_eval_count} and {@code eval_count}, as Ollama's own OpenAI layer maps them. */
    private static Usage usage(JsonNode reply) {
        return new Usage(reply.path("prompt_eval_count").asInt(0), reply.path("eval_count").asInt(0));
    }

    /**
     * Whether Ollama has the model pulled ({@code GET /api/tags}). Names without a tag mean {@code :latest}, as in
     * Ollama itself.
     */
    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        // a start-up check nobody cancels; it gets the same size limits and error handling as a chat call
        return call.blocking(() -> http.get(tagsUri, this::authorize), new Cancellation(),
                             r -> failure(r, upstreamModel), (headers, body) -> {
            JsonNode tags = json.readTree(body.readAllBytes());
            String wanted = withTag(upstreamModel);
            for (JsonNode model : tags.path("models")) {
                if (wanted.equals(withTag(model.path("name").asText()))
                        || wanted.equals(withTag(model.path("model").asText()))) {
                    return Optional.empty();
                }
            }
            return Optional.of("Ollama at " + where + " has no model '" + upstreamModel + "'; pull it on the Ollama"
                                       + " host: ollama pull " + upstreamModel);
        });
    }

    private static String withTag(String model) {
        return model.contains(":") ? model : model + ":latest";
    }

    private HttpClientResponse post(LlmRequest request, boolean stream) {
        return http.post(chatUri, post -> authorize(post.header(HeaderValues.CONTENT_TYPE_JSON)),
                         requestBody(request, stream, keepAlive));
    }

    private void authorize(Http1ClientRequest request) {
        apiKey.ifPresent(key -> request.header(HeaderNames.AUTHORIZATION, "Bearer " + key.reveal()));
    }

    /**
     * HAIA's neutral request in Ollama's terms: the system prompt as the first message; temperature, top_p, stop
     * sequences and the token limit ({@code num_predict}) in {@code options}; {@code stream} always explicit, since
     * Ollama streams unless told otherwise.
     */
    static byte[] requestBody(LlmRequest request, boolean stream, Optional<String> keepAlive) {
        return Jackson.write(JSON_FACTORY, 512 + request.messages().size() * 256, g -> {
            g.writeStartObject();
            g.writeStringField("model", request.model());
            RequestJson.roleContentMessages(g, request);
            g.writeBooleanField("stream", stream);
            g.writeObjectFieldStart("options");
            g.writeNumberField("num_predict", request.maxTokens());
            if (request.temperature().isPresent()) {
                g.writeNumberField("temperature", request.temperature().getAsDouble());
            }
            if (request.topP().isPresent()) {
                g.writeNumberField("top_p", request.topP().getAsDouble());
            }
            RequestJson.strings(g, "stop", request.stop());
            g.writeEndObject();
            if (keepAlive.isPresent()) {
                g.writeStringField("keep_alive", keepAlive.get());
            }
            g.writeEndObject();
        });
    }

    private LlmException failure(HttpClientResponse response, String model) {
        LlmException failure = UpstreamCall.httpFailure(name, response, json, body -> UpstreamCall.text(body.path("error")),
                                                        Optional.empty());
        if (failure.category() == ErrorCategory.NOT_FOUND) {
            // Ollama's 404 is "model not found": say how to fix it
            return new LlmException(failure.category(), name, failure.upstreamStatus(),
                                    failure.getMessage() + " (pull it on the Ollama host: ollama pull " + model + ")",
                                    failure.retryAfter(), failure.upstreamRequestId(), null);
        }
        return failure;
    }

    static FinishReason finishReason(String doneReason) {
        return "length".equals(doneReason) ? FinishReason.LENGTH : FinishReason.STOP;
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "OllamaClient[" + chatUri + "]";
    }
}
