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
import haia.llm.ErrorBody;
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

    OpenAiProtocol(HaiaConfig.Provider settings) {
        this.name = settings.name();
        this.where = settings.where();
        this.completionsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/chat/completions");
        this.modelsUri = UpstreamHttp.endpoint(settings.baseUrl(), "/models");
        this.apiKey = settings.apiKey();
        boolean openAi = "api.openai.com".equals(settings.baseUrl().getHost());
        this.tokenLimitField = Optional.ofNullable(settings.options().get(OpenAiProvider.TOKEN_LIMIT_FIELD.key()))
                .filter(s -> !s.isBlank())
                .orElse(openAi ? "max_completion_tokens" : "max_tokens");
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
        return UpstreamErrors.httpFailure(name, head, error.detail(errorMessage(error.root())),
                                          head.header("x-request-id"));
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
