package haia.llm.ollama;

import java.io.IOException;
import java.net.URI;
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
 * Ollama's native chat API ({@code POST /api/chat}) as pure mapping. Ollama's rules stay here: the system prompt is
 * the first message, sampling settings and the token limit go in {@code options} ({@code num_predict}), streams are
 * newline-delimited JSON ending with a {@code done: true} line that carries the stop reason and token counts, errors
 * are {@code {"error": "..."}} (as the HTTP body, or as a line mid-stream), and {@code keep_alive} says how long
 * Ollama keeps the model loaded after a request.
 */
final class OllamaProtocol implements ProviderProtocol {

    private final String name;
    private final String where;
    private final URI chatUri;
    private final URI tagsUri;
    private final Optional<Secret> apiKey;
    private final Optional<String> keepAlive;

    OllamaProtocol(HaiaConfig.Provider settings) {
        this.name = settings.name();
        this.where = settings.where();
        this.chatUri = UpstreamHttp.endpoint(settings.baseUrl(), "/api/chat");
        this.tagsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/api/tags");
        this.apiKey = settings.apiKey();
        this.keepAlive = Optional.ofNullable(settings.options().get(OllamaProvider.KEEP_ALIVE.key()))
                .filter(s -> !s.isBlank());
    }

    @Override
    public UpstreamRequest request(LlmRequest request, boolean stream) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        return UpstreamRequest.post(chatUri, headers, requestBody(request, stream, keepAlive));
    }

    private Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        apiKey.ifPresent(key -> headers.put("authorization", "Bearer " + key.reveal()));
        return headers;
    }

    /**
     * HAIA's neutral request in Ollama's terms: the system prompt as the first message; temperature, top_p, stop
     * sequences and the token limit ({@code num_predict}) in {@code options}; {@code stream} always explicit, since
     * Ollama streams unless told otherwise.
     */
    static byte[] requestBody(LlmRequest request, boolean stream, Optional<String> keepAlive) {
        return ProtocolJson.body(request, g -> {
            g.writeStartObject();
            g.writeStringField("model", request.model());
            g.writeArrayFieldStart("messages");
            if (request.system().filter(s -> !s.isBlank()).isPresent()) {
                g.writeStartObject();
                g.writeStringField("role", "system");
                g.writeStringField("content", request.system().get());
                g.writeEndObject();
            }
            for (LlmMessage message : request.messages()) {
                g.writeStartObject();
                g.writeStringField("role", message.role() == LlmMessage.Role.USER ? "user" : "assistant");
                g.writeStringField("content", message.text());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("stream", stream);
            g.writeObjectFieldStart("options");
            g.writeNumberField("num_predict", request.maxTokens());
            if (request.temperature().isPresent()) {
                g.writeNumberField("temperature", request.temperature().getAsDouble());
            }
            if (request.topP().isPresent()) {
                g.writeNumberField("top_p", request.topP().getAsDouble());
            }
            ProtocolJson.strings(g, "stop", request.stop());
            g.writeEndObject();
            if (keepAlive.isPresent()) {
                g.writeStringField("keep_alive", keepAlive.get());
            }
            g.writeEndObject();
        });
    }

    @Override
    public LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException {
        JsonNode reply = ProtocolJson.READER.readTree(body);
        if (reply == null || !reply.path("message").isObject()) {
            throw UpstreamErrors.protocolFailure(name, "the reply has no message", null);
        }
        return new LlmResponse(reply.path("message").path("content").asText(""),
                               finishReason(reply.path("done_reason").asText(null)), usage(reply),
                               reply.path("model").asText(request.model()), Optional.empty());
    }

    @Override
    public StreamDecoder decoder(LlmRequest request, UpstreamHead head) {
        return new OllamaStream(name, request.model());
    }

    /** {@code prompt_eval_count} and {@code eval_count}, as Ollama's own OpenAI layer maps them. */
    static Usage usage(JsonNode reply) {
        return new Usage(reply.path("prompt_eval_count").asInt(0), reply.path("eval_count").asInt(0));
    }

    static FinishReason finishReason(String doneReason) {
        return "length".equals(doneReason) ? FinishReason.LENGTH : FinishReason.STOP;
    }

    @Override
    public LlmException failure(String model, UpstreamHead head, byte[] body) {
        ErrorBody error = ErrorBody.of(body);
        LlmException failure = UpstreamErrors.httpFailure(name, head, error.detail(ProtocolJson.text(
                error.root().path("error"))), Optional.empty());
        if (failure.category() == ErrorCategory.NOT_FOUND) {
            // Ollama's 404 is "model not found": say how to fix it
            return new LlmException(failure.category(), name, failure.upstreamStatus(),
                                    failure.getMessage() + " (pull it on the Ollama host: ollama pull " + model + ")",
                                    failure.retryAfter(), failure.upstreamRequestId(), null);
        }
        return failure;
    }

    /**
     * Whether Ollama has the model pulled ({@code GET /api/tags}). Names without a tag mean {@code :latest}, as in
     * Ollama itself.
     */
    @Override
    public ModelCheck modelCheck(String upstreamModel) {
        return new ModelCheck(UpstreamRequest.get(tagsUri, headers()), body -> {
            JsonNode tags;
            try {
                tags = ProtocolJson.READER.readTree(body);
            } catch (IOException e) {
                throw UpstreamErrors.protocolFailure(name, "its model list is not JSON", e);
            }
            String wanted = withTag(upstreamModel);
            for (JsonNode model : tags.path("models")) {
                if (wanted.equals(withTag(model.path("name").asText()))
                        || wanted.equals(withTag(model.path("model").asText()))) {
                    return Optional.empty();
                }
            }
            return Optional.of("Ollama at " + where + " has no model '" + upstreamModel + "'; pull it on the Ollama"
                                       + " host: ollama pull " + upstreamModel);
        }, Optional.empty());
    }

    private static String withTag(String model) {
        return model.contains(":") ? model : model + ":latest";
    }

    @Override
    public String toString() {
        return "ollama " + chatUri;
    }
}
