package haia.testing;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerResponse;

/**
 * Gemini's Developer API on 127.0.0.1 ({@code POST /v1beta/models/{model}:generateContent} and
 * {@code :streamGenerateContent?alt=sse}), checked and answered as ../shared/notes/wire-formats.md §5 documents:
 * camelCase fields, roles {@code user}/{@code model}, data-only SSE ending at the end of the body, Google RPC errors
 * (a wrong key is 400 {@code INVALID_ARGUMENT} with reason {@code API_KEY_INVALID}; 429 carries a RetryInfo delay).
 */
public final class FakeGemini extends FakeUpstream {

    public static final String API_KEY = "AIza-fake-gemini-key-7d2e";
    private static final Set<String> TOP_LEVEL = Set.of("contents", "systemInstruction", "generationConfig", "tools",
                                                        "toolConfig", "safetySettings", "cachedContent");

    private static final Set<String> MODELS = Set.of("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash");

    private volatile boolean blockPrompt;

    private FakeGemini() {
    }

    public static FakeGemini start() {
        return new FakeGemini().listen();
    }

    /** Answer the next requests as a blocked prompt: {@code promptFeedback.blockReason} and no candidates. */
    public void blockPrompt(boolean block) {
        this.blockPrompt = block;
    }

    @Override
    protected void routes(HttpRules rules) {
        rules.post("/v1beta/models/*", this::handle)
                .get("/v1beta/models/{model}", (req, res) -> {
                    String model = req.path().pathParameters().get("model");
                    if (!API_KEY.equals(req.headers().first(HeaderNames.create("x-goog-api-key")).orElse(""))) {
                        sendError(res, 400, "API key not valid. Please pass a valid API key.", Map.of());
                        return;
                    }
                    if (!MODELS.contains(model)) {
                        sendError(res, 404, "models/" + model + " is not found for API version v1beta", Map.of());
                        return;
                    }
                    // a Model resource (../shared/notes/wire-formats.md §5.1)
                    ObjectNode info = JSON.createObjectNode().put("name", "models/" + model).put("version", "001")
                            .put("displayName", model).put("inputTokenLimit", 1_048_576).put("outputTokenLimit", 65_536);
                    info.putArray("supportedGenerationMethods").add("generateContent").add("countTokens");
                    sendJson(res, 200, info, Map.of());
                });
    }

    @Override
    protected List<String> check(String path, Map<String, String> headers, JsonNode body) {
        List<String> problems = new ArrayList<>();
        if (!API_KEY.equals(headers.get("x-goog-api-key"))) {
            problems.add("API key not valid. Please pass a valid API key.");
            return problems;
        }
        if (!path.matches("/v1beta/models/[A-Za-z0-9.\\-]+:(generateContent|streamGenerateContent)")) {
            problems.add("unknown method " + path);
        }
        if (!String.valueOf(headers.get("content-type")).startsWith("application/json")) {
            problems.add("content-type must be application/json");
        }
        body.fieldNames().forEachRemaining(field -> {
            if (!TOP_LEVEL.contains(field)) {
                problems.add("Invalid JSON payload received. Unknown name \"" + field + "\"");
            }
        });
        JsonNode contents = body.path("contents");
        if (!contents.isArray() || contents.isEmpty()) {
            problems.add("contents is not specified");
        } else {
            for (int i = 0; i < contents.size(); i++) {
                JsonNode content = contents.get(i);
                String role = content.path("role").asText();
                if (!role.equals("user") && !role.equals("model")) {
                    problems.add("contents[" + i + "].role: must be user or model, not " + role);
                }
                if (!content.path("parts").isArray() || content.path("parts").isEmpty()
                        || !content.path("parts").get(0).path("text").isTextual()) {
                    problems.add("contents[" + i + "].parts: must hold a text part");
                }
            }
            if (!contents.get(contents.size() - 1).path("role").asText().equals("user")) {
                problems.add("contents: the last turn must be the user's");
            }
        }
        if (body.has("systemInstruction")
                && !body.path("systemInstruction").path("parts").path(0).path("text").isTextual()) {
            problems.add("systemInstruction: must be {parts:[{text}]}");
        }
        JsonNode config = body.path("generationConfig");
        range(problems, config, "temperature", 0, 2);
        range(problems, config, "topP", 0, 1);
        positiveInt(problems, config, "maxOutputTokens");
        stringArray(problems, config, "stopSequences", 5);
        return problems;
    }

    @Override
    protected boolean streaming(String path, JsonNode body) {
        return path.endsWith(":streamGenerateContent");
    }

    @Override
    protected String lastUserText(JsonNode body) {
        JsonNode contents = body.path("contents");
        return contents.get(contents.size() - 1).path("parts").path(0).path("text").asText();
    }

    @Override
    protected void sendReply(ServerResponse res, JsonNode request, Behaviour.Reply reply) throws Exception {
        sendJson(res, 200, blockPrompt ? blocked() : response(String.join("", reply.pieces()), reply), Map.of());
    }

    @Override
    protected void sendStream(ServerResponse res, JsonNode request, List<String> pieces, Duration delay,
                              Behaviour ending) throws Exception {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        try (OutputStream out = res.outputStream()) {
            if (blockPrompt) {
                event(out, blocked());
                return;
            }
            for (int i = 0; i < pieces.size(); i++) {
                Thread.sleep(delay);
                boolean last = i == pieces.size() - 1 && ending instanceof Behaviour.Reply;
                event(out, response(pieces.get(i), last ? (Behaviour.Reply) ending : null));
            }
            if (ending instanceof Behaviour.StreamThenError e) {
                event(out, rpcError(e.status(), e.message()));
            }
            // the stream simply ends: Gemini sends no [DONE]
        }
    }

    @Override
    protected void sendError(ServerResponse res, int status, String message, Map<String, String> headers)
            throws Exception {
        ObjectNode body = rpcError(status, message);
        if (message.startsWith("API key not valid")) {
            ((ObjectNode) body.get("error")).withArray("details").addObject()
                    .put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", "API_KEY_INVALID")
                    .put("domain", "googleapis.com");
        }
        if (status == 429) {
            ((ObjectNode) body.get("error")).withArray("details").addObject()
                    .put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", "22s");
        }
        sendJson(res, status, body, headers);
    }

    private static ObjectNode rpcError(int status, String message) {
        String rpcStatus = switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "INTERNAL";
        };
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", status).put("message", message).put("status", rpcStatus);
        return body;
    }

    /** A GenerateContentResponse; {@code ending} non-null makes it the last one (finish reason and full usage). */
    private static ObjectNode response(String text, Behaviour.Reply ending) {
        ObjectNode response = JSON.createObjectNode();
        ObjectNode candidate = response.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.put("role", "model");
        var parts = content.putArray("parts");
        if (ending != null) {
            // a thinking model's thought summary comes as a part marked thought: not reply text
            parts.addObject().put("text", "(thinking about ceph)").put("thought", true);
        }
        parts.addObject().put("text", text);
        candidate.put("index", 0);
        if (ending != null) {
            candidate.put("finishReason", switch (ending.finish()) {
                case STOP -> "STOP";
                case LENGTH -> "MAX_TOKENS";
                case FILTER -> "SAFETY";
            });
            // promptTokenCount includes the cached content; the cache count is sent only when there is one
            ObjectNode usage = response.putObject("usageMetadata").put("promptTokenCount", ending.inputTokens())
                    .put("candidatesTokenCount", ending.outputTokens())
                    .put("totalTokenCount", ending.inputTokens() + ending.outputTokens());
            if (ending.cachedTokens() > 0) {
                usage.put("cachedContentTokenCount", ending.cachedTokens());
                usage.putArray("cacheTokensDetails").addObject().put("modality", "TEXT")
                        .put("tokenCount", ending.cachedTokens());
            }
            usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT")
                    .put("tokenCount", ending.inputTokens());
        }
        response.put("modelVersion", "gemini-2.5-flash").put("responseId", "fakeResponseId123");
        return response;
    }

    private static ObjectNode blocked() {
        ObjectNode response = JSON.createObjectNode();
        response.putObject("promptFeedback").put("blockReason", "SAFETY");
        response.putObject("usageMetadata").put("promptTokenCount", 9).put("totalTokenCount", 9);
        response.put("modelVersion", "gemini-2.5-flash");
        return response;
    }

    private static void event(OutputStream out, JsonNode data) throws java.io.IOException {
        write(out, "data: " + JSON.writeValueAsString(data) + "\r\n\r\n");
    }
}
