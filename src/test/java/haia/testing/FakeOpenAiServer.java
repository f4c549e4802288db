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
public class FakeOpenAiServer extends FakeUpstream {

    /** The error body shape the server uses. */
    public enum ErrorShape { NESTED, VLLM_LEGACY }

    private final Optional<String> apiKey;
    private volatile ErrorShape errorShape = ErrorShape.NESTED;
    private volatile boolean sendDone = true;
    private volatile boolean listsModels = true;
    private volatile List<String> served = List.of("qwen2.5-coder-32b", "gpt-4o-mini");

    protected FakeOpenAiServer(Optional<String> apiKey) {
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
        messages(problems, body.path("messages"));
        JsonNode tools = body.path("tools");
        if (body.has("tools")) {
            for (int i = 0; i < tools.size(); i++) {
                JsonNode function = tools.get(i).path("function");
                if (!"function".equals(tools.get(i).path("type").asText())
                        || !function.path("name").asText().matches("[a-zA-Z0-9_-]{1,64}")
                        || function.has("parameters") && !function.path("parameters").isObject()) {
                    problems.add("tools[" + i + "]: must be {type: function, function: {name, parameters}}");
                }
            }
        }
        if ((body.has("tool_choice") || body.has("parallel_tool_calls")) && !body.has("tools")) {
            problems.add("tool_choice and parallel_tool_calls are only allowed when tools are specified");
        }
        JsonNode choice = body.path("tool_choice");
        if (body.has("tool_choice") && !(Set.of("none", "auto", "required").contains(choice.asText())
                || "function".equals(choice.path("type").asText()) && choice.path("function").path("name").isTextual())) {
            problems.add("tool_choice: invalid value");
        }
        JsonNode format = body.path("response_format");
        if (body.has("response_format") && !(Set.of("text", "json_object").contains(format.path("type").asText())
                || "json_schema".equals(format.path("type").asText())
                && format.path("json_schema").path("name").isTextual())) {
            problems.add("response_format: invalid value");
        }
        if (body.has("reasoning_effort") && !Set.of("none", "minimal", "low", "medium", "high", "xhigh")
                .contains(body.path("reasoning_effort").asText())) {
            problems.add("reasoning_effort: invalid value");
        }
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

    /**
     * Chat Completions messages: content a string or parts (text, image_url with a real image's data URL or an
     * http(s) URL), null only for an assistant's tool calls; each assistant tool call answered by a tool message
     * naming its id before anything else is said, and no tool message without such a call.
     */
    private static void messages(List<String> problems, JsonNode messages) {
        if (!messages.isArray() || messages.isEmpty()) {
            problems.add("messages: at least one message is required");
            return;
        }
        java.util.Set<String> pending = new java.util.HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText();
            String at = "messages[" + i + "]";
            if (!Set.of("system", "developer", "user", "assistant", "tool").contains(role)) {
                problems.add(at + ".role: unknown role " + role);
            }
            if (role.equals("system") && i > 0) {
                problems.add(at + ": HAIA sends the system prompt first");
            }
            if (role.equals("tool")) {
                if (!pending.remove(m.path("tool_call_id").asText())) {
                    problems.add(at + ": Invalid parameter: messages with role 'tool' must be a response to a preceeding"
                                         + " message with 'tool_calls'");
                }
                if (!m.path("content").isTextual()) {
                    problems.add(at + ".content: a tool message's content must be a string");
                }
                continue;
            }
            if (!pending.isEmpty()) {
                problems.add("An assistant message with 'tool_calls' must be followed by tool messages responding to"
                                     + " each 'tool_call_id'. The following tool_call_ids did not have response"
                                     + " messages: " + pending);
                pending.clear();
            }
            JsonNode content = m.path("content");
            if (role.equals("assistant") && m.has("tool_calls")) {
                for (JsonNode call : m.path("tool_calls")) {
                    if (!call.path("id").isTextual() || !"function".equals(call.path("type").asText())
                            || !call.path("function").path("arguments").isTextual()) {
                        problems.add(at + ".tool_calls: {id, type: function, function: {name, arguments: string}}");
                    }
                    pending.add(call.path("id").asText());
                }
                if (!content.isNull() && !content.isTextual()) {
                    problems.add(at + ".content: must be a string or null");
                }
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    switch (part.path("type").asText()) {
                        case "text" -> {
                            if (!part.path("text").isTextual()) {
                                problems.add(at + ".content: a text part needs text");
                            }
                        }
                        case "image_url" -> {
                            String url = part.path("image_url").path("url").asText();
                            java.util.regex.Matcher data = java.util.regex.Pattern
                                    .compile("data:(image/[a-z]+);base64,(.*)").matcher(url);
                            if (data.matches() ? !image(data.group(2), data.group(1)) : !url.matches("https?://.+")) {
                                problems.add(at + ".content: Invalid image_url (not an image or an http(s) URL)");
                            }
                        }
                        default -> problems.add(at + ".content: unknown part type " + part.path("type").asText());
                    }
                }
            } else if (!content.isTextual()) {
                problems.add(at + ".content: must be a string or an array of parts");
            }
        }
        if (!pending.isEmpty()) {
            problems.add("messages: tool calls without tool messages: " + pending);
        }
        String last = messages.get(messages.size() - 1).path("role").asText();
        if (!last.equals("user") && !last.equals("tool")) {
            problems.add("messages: the last message must be the user's or a tool's");
        }
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

    /**
     * Reasoning as {@code reasoning_content} (llama.cpp, DeepSeek), tool calls as OpenAI sends them: whole in a
     * blocking reply; streamed with index, id and name first (empty arguments), argument pieces after.
     */
    @Override
    protected void sendParts(ServerResponse res, JsonNode request, String thinking, String text, List<Call> calls,
                             boolean stream) throws Exception {
        String finish = calls.isEmpty() ? "stop" : "tool_calls";
        Behaviour.Reply usage = new Behaviour.Reply(List.of(), Finish.STOP, 12, 7, Duration.ZERO);
        if (!stream) {
            ObjectNode completion = header(request, "chat.completion");
            ObjectNode choice = completion.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            if (text == null && !calls.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", text == null ? "" : text);
            }
            if (thinking != null) {
                message.put("reasoning_content", thinking);
            }
            var array = message.putArray("tool_calls");
            for (Call call : calls) {
                array.addObject().put("id", call.id()).put("type", "function").putObject("function")
                        .put("name", call.name()).put("arguments", call.arguments());
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finish);
            usage(completion, usage);
            sendJson(res, 200, completion, Map.of());
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        try (OutputStream out = res.outputStream()) {
            event(out, chunk(request, Optional.of("assistant"), Optional.of(""), null, includeUsage));
            if (thinking != null) {
                for (String piece : halves(thinking)) {
                    ObjectNode chunk = chunk(request, Optional.empty(), Optional.empty(), null, includeUsage);
                    ((ObjectNode) chunk.path("choices").get(0).get("delta")).put("reasoning_content", piece);
                    event(out, chunk);
                }
            }
            if (text != null) {
                for (String piece : halves(text)) {
                    event(out, chunk(request, Optional.empty(), Optional.of(piece), null, includeUsage));
                }
            }
            for (int i = 0; i < calls.size(); i++) {
                ObjectNode first = chunk(request, Optional.empty(), Optional.empty(), null, includeUsage);
                ((ObjectNode) first.path("choices").get(0).get("delta")).putArray("tool_calls").addObject()
                        .put("index", i).put("id", calls.get(i).id()).put("type", "function").putObject("function")
                        .put("name", calls.get(i).name()).put("arguments", "");
                event(out, first);
                for (String piece : halves(calls.get(i).arguments())) {
                    ObjectNode next = chunk(request, Optional.empty(), Optional.empty(), null, includeUsage);
                    ((ObjectNode) next.path("choices").get(0).get("delta")).putArray("tool_calls").addObject()
                            .put("index", i).putObject("function").put("arguments", piece);
                    event(out, next);
                }
            }
            event(out, chunk(request, Optional.empty(), Optional.empty(), finish, includeUsage));
            if (includeUsage) {
                ObjectNode last = header(request, "chat.completion.chunk");
                last.putArray("choices");
                usage(last, usage);
                event(out, last);
            }
            write(out, "data: [DONE]\n\n");
        }
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

    /**
     * {@code CompletionUsage} as OpenAI writes it: {@code prompt_tokens} includes the cached ones,
     * {@code completion_tokens} the reasoning ones.
     */
    private static void usage(ObjectNode node, Behaviour.Reply reply) {
        ObjectNode usage = node.putObject("usage").put("prompt_tokens", reply.inputTokens())
                .put("completion_tokens", reply.outputTokens())
                .put("total_tokens", reply.inputTokens() + reply.outputTokens());
        usage.putObject("prompt_tokens_details").put("cached_tokens", reply.cachedTokens()).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", reply.reasoningTokens())
                .put("audio_tokens", 0)
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
