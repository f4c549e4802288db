package haia.llm.ollama;

import java.io.IOException;
import java.net.URI;
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
 * Ollama's native chat API ({@code POST /api/chat}) as pure mapping: the request body ({@link OllamaRequests}), the
 * reply's message (thinking, text, whole tool calls with object arguments and ids Ollama may leave out), the NDJSON
 * stream ({@link OllamaStream}) ending with a {@code done: true} line that carries the stop reason and token counts
 * (a tool turn ends with a plain "stop"), errors as {@code {"error": "..."}} (the HTTP body, or a line mid-stream).
 */
final class OllamaProtocol implements ProviderProtocol {

    private static final String TYPE = "ollama";

    private final String name;
    private final String where;
    private final URI chatUri;
    private final URI tagsUri;
    private final Optional<Secret> apiKey;
    private final Optional<String> keepAlive;
    private final URI baseUrl;

    OllamaProtocol(HaiaConfig.Provider settings) {
        this.name = settings.name();
        this.where = settings.where();
        this.chatUri = UpstreamHttp.endpoint(settings.baseUrl(), "/api/chat");
        this.tagsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/api/tags");
        this.baseUrl = settings.baseUrl();
        this.apiKey = settings.apiKey();
        this.keepAlive = Optional.ofNullable(settings.options().get(OllamaProvider.KEEP_ALIVE.key()))
                .filter(s -> !s.isBlank());
    }

    /** Ollama has no tool_choice: it cannot be made to call a tool. */
    @Override
    public Optional<RequestProblem> problem(LlmRequest request) {
        if (request.tools().offered() && request.tools().choice().forced()) {
            return Optional.of(new RequestProblem("tool_choice", "Ollama cannot be made to call a tool (it has no"
                    + " tool_choice): use auto or none"));
        }
        return Optional.empty();
    }

    @Override
    public UpstreamRequest request(LlmRequest request, boolean stream) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        return UpstreamRequest.post(chatUri, headers, OllamaRequests.body(request, stream, keepAlive));
    }

    private Map<String, String> headers() {
        return UpstreamRequest.bearer(apiKey);
    }

    @Override
    public LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException {
        JsonNode reply = ProtocolJson.READER.readTree(body);
        if (reply == null || !reply.path("message").isObject()) {
            throw UpstreamErrors.protocolFailure(name, "the reply has no message", null);
        }
        ReplyParts parts = new ReplyParts(TYPE);
        message(reply.path("message"), parts);
        return parts.response(finishReason(reply.path("done_reason").asText(null)), usage(reply),
                              reply.path("model").asText(request.model()), Optional.empty());
    }

    /**
     * A message's thinking, text and tool calls (whole, with object arguments; the id may be missing), in the order
     * they are shown: the whole message of a blocking reply, or one line's piece of a stream.
     */
    static void message(JsonNode message, ReplyPieces parts) {
        parts.thinking(message.path("thinking").asText(""));
        parts.text(message.path("content").asText(""));
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            int index = parts.toolCall(ProtocolJson.text(call.path("id")).orElseGet(ToolCallIds::next),
                                       function.path("name").asText());
            parts.toolArguments(index, arguments(function.path("arguments")));
        }
    }

    /** Ollama's arguments are an object; a string (some templates) is taken as it is. */
    static String arguments(JsonNode arguments) {
        return arguments.isTextual() ? arguments.asText() : ProtocolJson.compact(
                arguments.isObject() ? arguments : ProtocolJson.READER.createObjectNode());
    }

    @Override
    public StreamDecoder decoder(LlmRequest request, UpstreamHead head) {
        return new OllamaStream(name, request.model());
    }

    /**
     * {@code prompt_eval_count} and {@code eval_count}, as Ollama's own OpenAI layer maps them. {@code eval_count}
     * counts every generated token, a thinking model's {@code message.thinking} too; Ollama says nothing of how many
     * were thinking, so the reasoning count stays 0 (not reported).
     */
    static Usage usage(JsonNode reply) {
        return new Usage(reply.path("prompt_eval_count").asInt(0), reply.path("eval_count").asInt(0));
    }

    static FinishReason finishReason(String doneReason) {
        return "length".equals(doneReason) ? FinishReason.LENGTH : FinishReason.STOP;
    }

    @Override
    public LlmException failure(String model, UpstreamHead head, byte[] body) {
        ErrorBody error = ErrorBody.of(body);
        Optional<String> ollamaError = ProtocolJson.text(error.root().path("error"));
        if (head.status() == 404 && ollamaError.isEmpty()) {
            // Ollama's own 404s say {"error": "..."} (a model not pulled); anything else is not Ollama's API here
            return new LlmException(ErrorCategory.PROTOCOL, name, 404, notOllama(error.text()), Optional.empty(),
                                    Optional.empty(), null);
        }
        LlmException failure = UpstreamErrors.httpFailure(name, head, error.detail(ollamaError), Optional.empty());
        if (failure.category() == ErrorCategory.NOT_FOUND) {
            // Ollama's 404 is "model not found": say how to fix it
            return new LlmException(failure.category(), name, failure.upstreamStatus(),
                                    failure.getMessage() + " (pull it on the Ollama host: ollama pull " + model + ")",
                                    failure.retryAfter(), failure.upstreamRequestId(), null);
        }
        return failure;
    }

    /**
     * The server at the configured URL answered 404 to Ollama's own API without Ollama's error shape: it is another
     * kind of server (llama.cpp's and LM Studio's answer {@code {"detail":"Not Found"}} or an HTML page), or Ollama
     * behind a path it does not have (a base URL ending in {@code /v1}).
     */
    private String notOllama(String answer) {
        return "The server at " + where + " does not look like Ollama: it has no Ollama API (HTTP 404: "
                + (answer.length() > 80 ? answer.substring(0, 80) + "…" : answer) + "). If it is llama.cpp, LM Studio,"
                + " vLLM or another OpenAI-compatible server, use the OpenAI-compatible provider instead (type openai;"
                + " HAIA_PROVIDER=openai, OPENAI_BASE_URL=<its URL>/v1); if it is Ollama, give its address without a"
                + " path (http://host:11434)";
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

    /**
     * Ollama states a model's context where its Modelfile sets it: {@code num_ctx} in {@code POST /api/show}'s
     * {@code parameters}. Otherwise Ollama runs it with its server's default ({@code OLLAMA_CONTEXT_LENGTH}), which
     * its API does not say, and it cuts a longer prompt's start itself instead of refusing it.
     */
    @Override
    public java.util.List<haia.llm.ContextQuery> contextQueries(String upstreamModel) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        byte[] body = ProtocolJson.compact(ProtocolJson.READER.createObjectNode().put("model", upstreamModel))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.List.of(new haia.llm.ContextQuery(
                UpstreamRequest.post(UpstreamHttp.endpoint(baseUrl, "/api/show"), headers, body),
                answer -> numCtx(answer), "num_ctx in POST /api/show"));
    }

    static java.util.OptionalInt numCtx(byte[] show) {
        try {
            String parameters = ProtocolJson.READER.readTree(show).path("parameters").asText("");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^num_ctx\\s+(\\d{1,9})\\s*$")
                    .matcher(parameters);
            return m.find() ? java.util.OptionalInt.of(Integer.parseInt(m.group(1))) : java.util.OptionalInt.empty();
        } catch (IOException notJson) {
            return java.util.OptionalInt.empty();
        }
    }

    private static String withTag(String model) {
        return model.contains(":") ? model : model + ":latest";
    }

    @Override
    public String toString() {
        return "ollama " + chatUri;
    }
}
