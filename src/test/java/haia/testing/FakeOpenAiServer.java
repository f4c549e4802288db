package haia.testing;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerResponse;

/**
 * An OpenAI-compatible server on 127.0.0.1 ({@code POST /v1/chat/completions}), checked and answered as
 * ../shared/notes/wire-formats.md §2 and §4 document. It plays OpenAI/llama.cpp (errors as {@code {"error":{...}}})
 * or older vLLM (a top-level {@code {"object":"error",...}}), with or without a required bearer key, and can leave
 * out the {@code [DONE]} line as some local servers do.
 */
public final class FakeOpenAiServer extends FakeUpstream {

    /** The error body shape the server uses. */
    public enum ErrorShape { NESTED, VLLM_LEGACY }

    private final Optional<String> apiKey;
    private volatile ErrorShape errorShape = ErrorShape.NESTED;
    private volatile boolean sendDone = true;
    private volatile boolean listsModels = true;
    private volatile List<String> served = List.of("qwen2.5-coder-32b", "gpt-4o-mini");

    private FakeOpenAiServer(Optional<String> apiKey) {
        this.apiKey = apiKey;
    }

    /** A server without authentication (llama.cpp, LM Studio, vLLM as usually run at home). */
    public static FakeOpenAiServer start() {
        return new FakeOpenAiServer(Optional.empty()).listen();
    }

    /** A server that requires {@code Authorization: Bearer <apiKey>}. */
    public static FakeOpenAiServer start(String apiKey) {
        return new FakeOpenAiServer(Optional.of(apiKey)).listen();
    }

    /** The base URL clients configure: it ends in {@code /v1}. */
    @Override
    public String baseUrl() {
        return super.baseUrl() + "/v1";
    }

    public void errorShape(ErrorShape shape) {
        this.errorShape = shape;
    }

    /** The models {@code GET /v1/models} lists. */
    public void serves(String... ids) {
        this.served = List.of(ids);
    }

    /** Whether the server has {@code GET /v1/models} at all (some local servers do not). */
    public void listsModels(boolean lists) {
        this.listsModels = lists;
    }

    public void sendDone(boolean send) {
        this.sendDone = send;
    }

    @Override
    protected void routes(HttpRules rules) {
        rules.post("/v1/chat/completions", this::handle)
                .get("/v1/models", (req, res) -> {
                    Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                    req.headers().forEach(h -> headers.put(h.name(), h.get()));
                    if (apiKey.isPresent() && !("Bearer " + apiKey.get()).equals(headers.get("authorization"))) {
                        sendError(res, 401, "Incorrect API key provided", Map.of());
                        return;
                    }
                    if (!listsModels) {
                        sendError(res, 404, "Not Found", Map.of());
                        return;
                    }
                    // ListModelsResponse (../shared/notes/wire-formats.md §2.5)
                    ObjectNode list = JSON.createObjectNode().put("object", "list");
                    var data = list.putArray("data");
                    served.forEach(id -> data.addObject().put("id", id).put("object", "model")
                            .put("created", 1_735_689_600L).put("owned_by", "fake"));
                    sendJson(res, 200, list, Map.of());
                });
    }

    @Override
    protected List<String> check(String path, Map<String, String> headers, JsonNode body) {
        List<String> problems = new ArrayList<>();
        String authorization = headers.get("authorization");
        if (apiKey.isPresent() && !("Bearer " + apiKey.get()).equals(authorization)) {
            problems.add("401 Incorrect API key provided");
            return problems;
        }
        if (apiKey.isEmpty() && authorization != null) {
            problems.add("authorization: sent to a server that has no key configured");
        }
        if (!String.valueOf(headers.get("content-type")).startsWith("application/json")) {
            problems.add("content-type must be application/json");
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            problems.add("model: required");
        }
        roleContentMessages(problems, body.path("messages"), Set.of("system", "developer", "user", "assistant"));
        if (body.has("max_tokens") && body.has("max_completion_tokens")) {
            problems.add("max_tokens and max_completion_tokens: send one");
        }
        positiveInt(problems, body, "max_tokens");
        positiveInt(problems, body, "max_completion_tokens");
        range(problems, body, "temperature", 0, 2);
        range(problems, body, "top_p", 0, 1);
        stringArray(problems, body, "stop", 4);
        if (body.has("stream") && !body.get("stream").isBoolean()) {
            problems.add("stream: must be a boolean");
        }
        if (body.has("stream_options") && !body.path("stream").asBoolean(false)) {
            problems.add("stream_options: only allowed when stream is true");
        }
        return problems;
    }

    @Override
    protected boolean streaming(String path, JsonNode body) {
        return body.path("stream").asBoolean(false);
    }

    @Override
    protected void sendReply(ServerResponse res, JsonNode request, Behaviour.Reply reply) throws Exception {
        ObjectNode completion = header(request, "chat.completion");
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", String.join("", reply.pieces()))
                .putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finish(reply.finish()));
        usage(completion, reply);
        sendJson(res, 200, completion, Map.of("x-request-id", "req_fake_openai"));
    }

    @Override
    protected void sendStream(ServerResponse res, JsonNode request, List<String> pieces, Duration delay,
                              Behaviour ending) throws Exception {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        try (OutputStream out = res.outputStream()) {
            event(out, chunk(request, Optional.of("assistant"), Optional.of(""), null, includeUsage));
            for (String piece : pieces) {
                Thread.sleep(delay);
                event(out, chunk(request, Optional.empty(), Optional.of(piece), null, includeUsage));
            }
            switch (ending) {
                case Behaviour.Reply reply -> {
                    event(out, chunk(request, Optional.empty(), Optional.empty(), finish(reply.finish()), includeUsage));
                    if (includeUsage) {
                        ObjectNode last = header(request, "chat.completion.chunk");
                        last.putArray("choices");
                        usage(last, reply);
                        event(out, last);
                    }
                    if (sendDone) {
                        write(out, "data: [DONE]\n\n");
                    }
                }
                case Behaviour.StreamThenError e -> {
                    ObjectNode error = JSON.createObjectNode();
                    error.putObject("error").put("code", e.status()).put("message", e.message())
                            .put("type", e.status() == 503 ? "unavailable_error" : "server_error");
                    event(out, error);
                }
                default -> {
                    // cut: no finish chunk, no [DONE]
                }
            }
        }
    }

    @Override
    protected void sendError(ServerResponse res, int status, String message, Map<String, String> headers)
            throws Exception {
        String type = switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_exceeded";
            default -> "server_error";
        };
        ObjectNode body = JSON.createObjectNode();
        if (errorShape == ErrorShape.VLLM_LEGACY) {
            body.put("object", "error").put("message", message).put("type", type).putNull("param").put("code", status);
        } else {
            body.putObject("error").put("message", message).put("type", type).putNull("param").put("code", status);
        }
        sendJson(res, status, body, headers);
    }

    private ObjectNode chunk(JsonNode request, Optional<String> role, Optional<String> content, String finish,
                             boolean includeUsage) {
        ObjectNode chunk = header(request, "chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        role.ifPresent(r -> delta.put("role", r));
        content.ifPresent(c -> delta.put("content", c));
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode header(JsonNode request, String object) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", "chatcmpl-fake123").put("object", object).put("created", 1_764_000_000L)
                .put("model", request.path("model").asText()).put("system_fingerprint", "fp_fake");
        return node;
    }

    /** {@code CompletionUsage} as OpenAI writes it: {@code prompt_tokens} includes the cached ones. */
    private static void usage(ObjectNode node, Behaviour.Reply reply) {
        ObjectNode usage = node.putObject("usage").put("prompt_tokens", reply.inputTokens())
                .put("completion_tokens", reply.outputTokens())
                .put("total_tokens", reply.inputTokens() + reply.outputTokens());
        usage.putObject("prompt_tokens_details").put("cached_tokens", reply.cachedTokens()).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
    }

    private static String finish(Finish finish) {
        return switch (finish) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case FILTER -> "content_filter";
        };
    }

    private static void event(OutputStream out, JsonNode data) throws java.io.IOException {
        write(out, "data: " + JSON.writeValueAsString(data) + "\n\n");
    }
}
