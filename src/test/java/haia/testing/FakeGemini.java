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
    /** Sign function calls with thought signatures, as Gemini 3 does (and require them back). */
    private volatile boolean signCalls;

    private FakeGemini() {
    }

    public static FakeGemini start() {
        return new FakeGemini().listen();
    }

    /** Sign function calls with thought signatures in replies, as Gemini 3 models do. */
    public void signCalls(boolean sign) {
        this.signCalls = sign;
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
        contents(problems, body.path("contents"), path);
        tools(problems, body);
        if (body.has("systemInstruction")
                && !body.path("systemInstruction").path("parts").path(0).path("text").isTextual()) {
            problems.add("systemInstruction: must be {parts:[{text}]}");
        }
        JsonNode config = body.path("generationConfig");
        if (config.has("responseSchema")) {
            schema(problems, config.get("responseSchema"), "generation_config.response_schema");
        }
        if (config.has("responseSchema") && !"application/json".equals(config.path("responseMimeType").asText())) {
            problems.add("responseSchema needs responseMimeType application/json");
        }
        config.path("thinkingConfig").fieldNames().forEachRemaining(field -> {
            if (!Set.of("includeThoughts", "thinkingBudget", "thinkingLevel").contains(field)) {
                problems.add("Invalid JSON payload received. Unknown name \"" + field + "\" at 'generation_config.thinking_config'");
            }
        });
        range(problems, config, "temperature", 0, 2);
        range(problems, config, "topP", 0, 1);
        positiveInt(problems, config, "maxOutputTokens");
        stringArray(problems, config, "stopSequences", 5);
        return problems;
    }

    /**
     * Gemini's contents: user and model turns of parts, each part one of text, inlineData (a real image of its
     * mimeType), functionCall (the model's, with object args) or functionResponse (the user's, naming the function,
     * with an object response); as many responses as the model turn before made calls; and on Gemini 3 models the
     * thought signature of each call of the current turn given back.
     */
    private static void contents(List<String> problems, JsonNode contents, String path) {
        if (!contents.isArray() || contents.isEmpty()) {
            problems.add("contents is not specified");
            return;
        }
        boolean gemini3 = path.contains("/gemini-3");
        int lastUserText = -1;
        for (int i = 0; i < contents.size(); i++) {
            for (JsonNode part : contents.get(i).path("parts")) {
                if ("user".equals(contents.get(i).path("role").asText()) && part.has("text")) {
                    lastUserText = i;
                }
            }
        }
        int calls = 0;
        for (int i = 0; i < contents.size(); i++) {
            JsonNode content = contents.get(i);
            String role = content.path("role").asText();
            String at = "contents[" + i + "]";
            if (!role.equals("user") && !role.equals("model")) {
                problems.add(at + ".role: must be user or model, not " + role);
            }
            if (!content.path("parts").isArray() || content.path("parts").isEmpty()) {
                problems.add(at + ".parts: must not be empty");
                continue;
            }
            int responses = 0;
            int madeCalls = 0;
            for (JsonNode part : content.path("parts")) {
                List<String> kinds = new ArrayList<>();
                part.fieldNames().forEachRemaining(f -> {
                    if (!f.equals("thoughtSignature") && !f.equals("thought")) {
                        kinds.add(f);
                    }
                });
                if (kinds.size() != 1) {
                    problems.add(at + ".parts: each part holds exactly one of text, inlineData, functionCall,"
                                         + " functionResponse, got " + kinds);
                    continue;
                }
                switch (kinds.getFirst()) {
                    case "text" -> {
                        if (!part.path("text").isTextual()) {
                            problems.add(at + ".parts.text: must be a string");
                        }
                    }
                    case "inlineData" -> {
                        if (!image(part.path("inlineData").path("data").asText(),
                                   part.path("inlineData").path("mimeType").asText())) {
                            problems.add(at + ".parts.inlineData: Unable to process input image");
                        }
                    }
                    case "functionCall" -> {
                        madeCalls++;
                        if (!role.equals("model") || !part.path("functionCall").path("args").isObject()) {
                            problems.add(at + ".parts.functionCall: the model's, with object args");
                        }
                        if (gemini3 && i > lastUserText && !signature(part.path("functionCall")).equals(
                                part.path("thoughtSignature").asText())) {
                            problems.add(at + ".parts: Function call is missing a thought_signature in functionCall"
                                                 + " parts. This is required for tools to work correctly");
                        }
                    }
                    case "functionResponse" -> {
                        responses++;
                        JsonNode response = part.path("functionResponse");
                        if (!role.equals("user") || !response.path("name").isTextual()
                                || !response.path("response").isObject()) {
                            problems.add(at + ".parts.functionResponse: the user's, naming the function, with an"
                                                 + " object response");
                        }
                    }
                    default -> problems.add("Invalid JSON payload received. Unknown name \"" + kinds.getFirst()
                                                    + "\" at '" + at + ".parts'");
                }
            }
            if (responses > 0 && responses != calls) {
                problems.add("Please ensure that the number of function response parts is equal to the number of"
                                     + " function call parts of the function call turn.");
            }
            calls = madeCalls;
        }
        if (!contents.get(contents.size() - 1).path("role").asText().equals("user")) {
            problems.add("contents: the last turn must be the user's");
        }
    }

    /** The thought signature the fake gives a function call (Gemini 3), and checks when it comes back. */
    static String signature(JsonNode functionCall) {
        return "gsig-" + Integer.toHexString((functionCall.path("name").asText() + functionCall.path("args")).hashCode());
    }

    private static void tools(List<String> problems, JsonNode body) {
        for (JsonNode tool : body.path("tools")) {
            for (JsonNode declaration : tool.path("functionDeclarations")) {
                if (!declaration.path("name").asText().matches("[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}")) {
                    problems.add("function_declarations.name: Invalid function name");
                }
                if (declaration.has("parameters")) {
                    schema(problems, declaration.get("parameters"), "tools[0].function_declarations.parameters");
                }
            }
        }
        JsonNode config = body.path("toolConfig").path("functionCallingConfig");
        if (body.has("toolConfig")) {
            if (!Set.of("AUTO", "ANY", "NONE", "VALIDATED").contains(config.path("mode").asText())) {
                problems.add("tool_config.function_calling_config.mode: invalid value");
            }
            if (config.has("allowedFunctionNames") && !"ANY".equals(config.path("mode").asText())) {
                problems.add("allowed_function_names may be set only when mode is ANY");
            }
        }
    }

    /** Gemini's Schema subset: any other key is a 400 ({@code Unknown name "additionalProperties"}). */
    private static void schema(List<String> problems, JsonNode schema, String at) {
        if (!schema.isObject()) {
            problems.add(at + ": must be a Schema object");
            return;
        }
        schema.fieldNames().forEachRemaining(key -> {
            if (!GEMINI_SCHEMA_KEYS.contains(key)) {
                problems.add("Invalid JSON payload received. Unknown name \"" + key + "\" at '" + at + "'");
            }
        });
        if (schema.path("type").isArray()) {
            problems.add(at + ".type: a single type (use nullable for null)");
        }
        schema.path("properties").properties().forEach(f -> schema(problems, f.getValue(),
                                                                   at + ".properties[" + f.getKey() + "]"));
        if (schema.has("items")) {
            schema(problems, schema.get("items"), at + ".items");
        }
        schema.path("anyOf").forEach(alternative -> schema(problems, alternative, at + ".any_of"));
    }

    /** The keys of Gemini's Schema (js-genai's Schema type), as tools.md lists them. */
    private static final Set<String> GEMINI_SCHEMA_KEYS = Set.of(
            "anyOf", "default", "description", "enum", "example", "format", "items", "maxItems", "maxLength",
            "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum", "nullable", "pattern",
            "properties", "propertyOrdering", "required", "title", "type");

    /**
     * Thought parts (only when the request asked for thoughts), text, and whole function calls, signed on Gemini 3
     * models; streamed one part per event, the last with the finish reason and usage.
     */
    @Override
    protected void sendParts(ServerResponse res, JsonNode request, String thinking, String text, List<Call> calls,
                             boolean stream) throws Exception {
        List<ObjectNode> parts = new ArrayList<>();
        if (thinking != null && request.path("generationConfig").path("thinkingConfig").path("includeThoughts")
                .asBoolean(false)) {
            parts.add(JSON.createObjectNode().put("text", thinking).put("thought", true));
        }
        if (text != null) {
            parts.add(JSON.createObjectNode().put("text", text));
        }
        for (Call call : calls) {
            ObjectNode part = JSON.createObjectNode();
            ObjectNode functionCall = part.putObject("functionCall").put("name", call.name());
            functionCall.set("args", JSON.readTree(call.arguments()));
            if (signCalls) {
                part.put("thoughtSignature", signature(functionCall));
            }
            parts.add(part);
        }
        Behaviour.Reply usage = new Behaviour.Reply(List.of(), Finish.STOP, 12, 7, Duration.ZERO);
        if (!stream) {
            ObjectNode response = response("", usage);
            var array = (com.fasterxml.jackson.databind.node.ArrayNode) response.path("candidates").get(0)
                    .path("content").path("parts");
            array.removeAll();
            array.addAll(parts);
            sendJson(res, 200, response, Map.of());
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        try (OutputStream out = res.outputStream()) {
            for (int i = 0; i < parts.size(); i++) {
                boolean last = i == parts.size() - 1;
                ObjectNode response = response("", last ? usage : null);
                var array = (com.fasterxml.jackson.databind.node.ArrayNode) response.path("candidates").get(0)
                        .path("content").path("parts");
                array.removeAll();
                array.add(parts.get(i));
                event(out, response);
            }
        }
    }

    @Override
    protected boolean streaming(String path, JsonNode body) {
        return path.endsWith(":streamGenerateContent");
    }

    @Override
    protected String lastUserText(JsonNode body) {
        JsonNode contents = body.path("contents");
        JsonNode part = contents.get(contents.size() - 1).path("parts").path(0);
        return part.has("functionResponse") ? part.path("functionResponse").path("response").path("output").asText()
                : part.path("text").asText();
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
            // promptTokenCount includes the cached content; the cache count is sent only when there is one. A
            // thinking model's thoughts are counted apart from the candidates, and the total adds both (as
            // gemini-2.5-flash answers: prompt 8, candidates 9, thoughts 1069, total 1086)
            int thoughts = ending.reasoningTokens();
            ObjectNode usage = response.putObject("usageMetadata").put("promptTokenCount", ending.inputTokens())
                    .put("candidatesTokenCount", ending.outputTokens() - thoughts)
                    .put("totalTokenCount", ending.inputTokens() + ending.outputTokens());
            if (ending.cachedTokens() > 0) {
                usage.put("cachedContentTokenCount", ending.cachedTokens());
                usage.putArray("cacheTokensDetails").addObject().put("modality", "TEXT")
                        .put("tokenCount", ending.cachedTokens());
            }
            usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT")
                    .put("tokenCount", ending.inputTokens());
            if (thoughts > 0) {
                usage.put("thoughtsTokenCount", thoughts);
            }
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
