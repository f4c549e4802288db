package haia.llm.openai;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.llm.ContextQuery;
import haia.llm.ContextTooLongException;
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
import haia.llm.ToolCallIds;
import haia.llm.StreamDecoder;
import haia.llm.UpstreamErrors;
import haia.llm.UpstreamHead;
import haia.llm.UpstreamHttp;
import haia.llm.UpstreamRequest;
import haia.llm.Usage;

/**
 * OpenAI's Chat Completions API ({@code POST {base}/chat/completions}) as pure mapping: the request body
 * ({@link OpenAiRequests}), the reply's message (content, the server's reasoning, tool calls), the stream
 * ({@link OpenAiStream}). The differences between the servers that speak it stay here: error bodies come as {@code {"error":{...}}} (OpenAI, llama.cpp, newer vLLM), as a
 * top-level {@code {"object":"error","message":...}} (older vLLM) or as {@code {"error":"..."}}; a stream may end with
 * {@code [DONE]} or just at the end of the body after its finish chunk; the token limit's field name differs.
 */
final class OpenAiProtocol implements ProviderProtocol {

    private static final String TYPE = "openai";

    private final String name;
    private final String where;
    private final URI completionsUri;
    private final URI modelsUri;
    private final Optional<Secret> apiKey;
    private final String tokenLimitField;
    private final boolean openAi;

    OpenAiProtocol(HaiaConfig.Provider settings) {
        this.name = settings.name();
        this.where = settings.where();
        this.completionsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/chat/completions");
        this.modelsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/models");
        this.apiKey = settings.apiKey();
        this.openAi = "api.openai.com".equals(settings.baseUrl().getHost());
        this.tokenLimitField = Optional.ofNullable(settings.options().get(OpenAiProvider.TOKEN_LIMIT_FIELD.key()))
                .filter(s -> !s.isBlank())
                .orElse(openAi ? "max_completion_tokens" : "max_tokens");
    }

    /**
     * Always: llama.cpp's server generates a blocking reply to its end after HAIA hung up (it notices a client leaving
     * only in a stream), holding the model for whoever is next; streamed, it stops when HAIA stops the call. Servers
     * that report no usage in streams (llama.cpp's) get theirs estimated ({@link haia.llm.ModelTokens}).
     */
    @Override
    public boolean streamsBlockingCalls() {
        return true;
    }

    /** llama.cpp's Python server refuses a streamed request with an empty 200, a blocking one with its reason. */
    @Override
    public boolean explainsEmptyStreams() {
        return true;
    }

    @Override
    public UpstreamRequest request(LlmRequest request, boolean stream) {
        Map<String, String> headers = headers();
        headers.put("content-type", "application/json");
        headers.put("accept", stream ? "text/event-stream" : "application/json");
        return UpstreamRequest.post(completionsUri, headers, OpenAiRequests.body(request, stream, tokenLimitField));
    }

    private Map<String, String> headers() {
        return UpstreamRequest.bearer(apiKey);
    }

    @Override
    public LlmResponse reply(LlmRequest request, UpstreamHead head, byte[] body) throws IOException {
        JsonNode completion = ProtocolJson.READER.readTree(body);
        JsonNode choice = completion == null ? null : completion.path("choices").path(0);
        if (choice == null || !choice.path("message").isObject()) {
            throw UpstreamErrors.protocolFailure(name, "the reply has no choices[0].message", null);
        }
        JsonNode message = choice.path("message");
        ReplyParts parts = new ReplyParts(TYPE);
        parts.thinking(reasoning(message));
        parts.text(message.path("content").asText(""));
        for (JsonNode call : message.path("tool_calls")) {
            int index = parts.toolCall(ProtocolJson.text(call.path("id")).orElseGet(ToolCallIds::next),
                                       call.path("function").path("name").asText());
            parts.toolArguments(index, arguments(call.path("function").path("arguments")));
        }
        return parts.response(finishReason(choice.path("finish_reason").asText(null)),
                              OpenAiUsage.of(completion.path("usage")), completion.path("model").asText(request.model()),
                              head.header("x-request-id").or(() -> ProtocolJson.text(completion.path("id"))));
    }

    /**
     * The server's reasoning, under the name it uses: {@code reasoning_content} (DeepSeek, llama.cpp),
     * {@code reasoning} (vLLM, Ollama's {@code /v1}).
     */
    static String reasoning(JsonNode messageOrDelta) {
        return messageOrDelta.path("reasoning_content").asText(messageOrDelta.path("reasoning").asText(""));
    }

    /** Arguments are a string in this protocol; an object (a lenient server) is taken as its JSON text. */
    static String arguments(JsonNode arguments) {
        return arguments.isTextual() ? arguments.asText() : arguments.isMissingNode() || arguments.isNull() ? ""
                : ProtocolJson.compact(arguments);
    }

    @Override
    public StreamDecoder decoder(LlmRequest request, UpstreamHead head) {
        return new OpenAiStream(name, request.model());
    }

    @Override
    public LlmException failure(String model, UpstreamHead head, byte[] body) {
        ErrorBody error = ErrorBody.of(body);
        String detail = error.detail(errorMessage(error.root()));
        Optional<String> requestId = head.header("x-request-id");
        if (head.status() >= 500) {
            Optional<String> invalid = OpenAiErrors.invalidRequest(detail);
            if (invalid.isPresent()) {
                return new LlmException(ErrorCategory.INVALID_REQUEST, name, head.status(), "The " + name
                        + " upstream refused the request as invalid (it reports that as HTTP " + head.status()
                        + "): " + invalid.get(), Optional.empty(), requestId, null);
            }
        }
        LlmException failure = UpstreamErrors.httpFailure(name, head, detail, requestId);
        JsonNode fields = error.root().path("error").isObject() ? error.root().path("error") : error.root();
        if (OpenAiErrors.contextTooLong(fields)) {
            return ((ContextTooLongException) ContextTooLongException.of(failure, true))
                    .withSizes(OpenAiErrors.count(fields, "n_ctx"), OpenAiErrors.count(fields, "n_prompt_tokens"));
        }
        return failure;
    }

    /** The message of any of the error shapes these servers send. */
    static Optional<String> errorMessage(JsonNode body) {
        JsonNode error = body.path("error");
        return ProtocolJson.text(error.path("message"))
                .or(() -> ProtocolJson.text(error))
                .or(() -> ProtocolJson.text(body.path("message")))
                .or(() -> ProtocolJson.text(body.path("detail")));
    }

    /**
     * Whether the server accepts HAIA's key and lists the model ({@code GET {base}/models}). A server without a
     * model list (404) cannot tell; one that lists other models may still serve any name (llama.cpp serves the
     * model it loaded), so a missing name is a warning listing what the server has.
     */
    @Override
    public ModelCheck modelCheck(String upstreamModel) {
        return new ModelCheck(UpstreamRequest.get(modelsUri, headers()), body -> {
            JsonNode list;
            try {
                list = ProtocolJson.READER.readTree(body);
            } catch (IOException e) {
                throw UpstreamErrors.protocolFailure(name, "its model list is not JSON", e);
            }
            List<String> ids = new ArrayList<>();
            list.path("data").forEach(model -> ids.add(model.path("id").asText()));
            if (ids.contains(upstreamModel)) {
                return Optional.empty();
            }
            return Optional.of("the server at " + where + " does not list the model '" + upstreamModel
                                       + "' (it lists: " + (ids.isEmpty() ? "nothing"
                    : String.join(", ", ids.subList(0, Math.min(10, ids.size()))))
                                       + "); chats may fail: check HAIA_MODEL or upstream-model");
        }, Optional.empty());
    }

    /**
     * Where these servers state a model's context: llama.cpp's llama-server at {@code GET /props}
     * ({@code default_generation_settings.n_ctx}, or {@code n_ctx} in newer versions), vLLM in its model list
     * ({@code max_model_len}), LM Studio at {@code GET /api/v0/models/{model}} ({@code loaded_context_length}, else
     * {@code max_context_length}). llama.cpp's Python server and OpenAI say nowhere: HAIA learns it from their first
     * "context too long" answer. Context sizes of OpenAI's own models are known by name.
     */
    @Override
    public List<ContextQuery> contextQueries(String upstreamModel) {
        if (openAi) {
            return List.of();
        }
        String root = completionsUri.toString().replaceFirst("/chat/completions$", "").replaceFirst("/v1$", "");
        return List.of(
                new ContextQuery(UpstreamRequest.get(URI.create(root + "/props"), headers()), body -> {
                    JsonNode props = json(body);
                    return positive(props.path("default_generation_settings").path("n_ctx"), props.path("n_ctx"));
                }, "GET /props"),
                new ContextQuery(UpstreamRequest.get(modelsUri, headers()), body -> {
                    for (JsonNode model : json(body).path("data")) {
                        if (upstreamModel.equals(model.path("id").asText())) {
                            return positive(model.path("max_model_len"));
                        }
                    }
                    return java.util.OptionalInt.empty();
                }, "max_model_len in GET /v1/models"),
                new ContextQuery(UpstreamRequest.get(URI.create(root + "/api/v0/models/"
                        + java.net.URLEncoder.encode(upstreamModel, java.nio.charset.StandardCharsets.UTF_8)
                                .replace("+", "%20")), headers()), body -> {
                    JsonNode model = json(body);
                    return positive(model.path("loaded_context_length"), model.path("max_context_length"));
                }, "GET /api/v0/models (LM Studio)"));
    }

    private static JsonNode json(byte[] body) {
        try {
            JsonNode node = ProtocolJson.READER.readTree(body);
            return node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
        } catch (IOException notJson) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    /** The first of the values that is a positive whole number. */
    private static java.util.OptionalInt positive(JsonNode... values) {
        for (JsonNode value : values) {
            if (value.isIntegralNumber() && value.asLong() > 0 && value.asLong() <= Integer.MAX_VALUE) {
                return java.util.OptionalInt.of(value.asInt());
            }
        }
        return java.util.OptionalInt.empty();
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
    public String toString() {
        return "openai " + completionsUri;
    }
}
