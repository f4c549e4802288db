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
import io.helidon.webserver.http.ServerResponse;

/**
 * Ollama's native API on 127.0.0.1 ({@code POST /api/chat}, {@code GET /api/tags}), checked and answered as
 * ../shared/notes/wire-formats.md §3 documents: NDJSON streams ending with a {@code done: true} line with
 * {@code done_reason} and token counts, {@code {"error": "..."}} errors, and 404 for a model that is not pulled.
 */
public final class FakeOllama extends FakeUpstream {

    private final Set<String> pulled;

    private FakeOllama(Set<String> pulled) {
        this.pulled = pulled;
    }

    /** A fake Ollama with these models pulled (names as Ollama lists them, e.g. {@code llama3.2:latest}). */
    public static FakeOllama start(String... pulled) {
        return new FakeOllama(Set.of(pulled)).listen();
    }

    @Override
    protected void routes(io.helidon.webserver.http.HttpRules rules) {
        rules.post("/api/chat", this::handle)
                .get("/api/tags", (req, res) -> {
                    ObjectNode tags = JSON.createObjectNode();
                    var models = tags.putArray("models");
                    pulled.forEach(name -> models.addObject().put("name", name).put("model", name)
                            .put("modified_at", "2026-11-01T10:00:00Z").put("size", 2019393189L));
                    sendJson(res, 200, tags, Map.of());
                });
    }

    @Override
    protected List<String> check(String path, Map<String, String> headers, JsonNode body) {
        List<String> problems = new ArrayList<>();
        if (!String.valueOf(headers.get("content-type")).startsWith("application/json")) {
            problems.add("content-type must be application/json");
        }
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            problems.add("model is required");
        }
        messages(problems, body.path("messages"));
        if (body.has("think") && !(body.get("think").isBoolean()
                || Set.of("low", "medium", "high").contains(body.get("think").asText()))) {
            problems.add("think must be a boolean or string (\"high\", \"medium\", \"low\", true, or false)");
        }
        if (body.has("format") && !(body.get("format").isObject() || "json".equals(body.get("format").asText()))) {
            problems.add("format: must be \"json\" or a JSON schema");
        }
        JsonNode tools = body.path("tools");
        if (body.has("tools")) {
            for (int i = 0; i < tools.size(); i++) {
                JsonNode function = tools.get(i).path("function");
                if (!"function".equals(tools.get(i).path("type").asText()) || !function.path("name").isTextual()
                        || !function.path("parameters").isObject()) {
                    problems.add("tools[" + i + "]: must be {type: function, function: {name, parameters}}");
                }
            }
        }
        if (!body.path("stream").isBoolean()) {
            problems.add("stream: HAIA must say true or false (Ollama streams when it is missing)");
        }
        JsonNode options = body.path("options");
        if (body.has("options") && !options.isObject()) {
            problems.add("options: must be an object");
        }
        positiveInt(problems, options, "num_predict");
        range(problems, options, "temperature", 0, 2);
        range(problems, options, "top_p", 0, 1);
        stringArray(problems, options, "stop", 16);
        for (String openAiName : List.of("max_tokens", "temperature", "top_p", "stop")) {
            if (body.has(openAiName)) {
                problems.add(openAiName + ": belongs in options (Ollama ignores it at the top level)");
            }
        }
        if (body.has("keep_alive") && !(body.get("keep_alive").isTextual() || body.get("keep_alive").isNumber())) {
            problems.add("keep_alive: must be a duration string or a number");
        }
        return problems;
    }

    /**
     * Ollama's messages: roles, string content, images as bare base64 of real images, assistant tool calls with
     * object arguments, and tool messages only right after the assistant message whose calls they answer, naming
     * the tool (tool_name) it called.
     */
    private static void messages(List<String> problems, JsonNode messages) {
        if (!messages.isArray() || messages.isEmpty()) {
            problems.add("messages: at least one message is required");
            return;
        }
        Set<String> called = new java.util.HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText();
            if (!Set.of("system", "user", "assistant", "tool").contains(role)) {
                problems.add("messages." + i + ".role: unknown role " + role);
            }
            if (role.equals("system") && i > 0) {
                problems.add("messages." + i + ": HAIA sends the system prompt first");
            }
            if (!m.path("content").isTextual()) {
                problems.add("messages." + i + ".content: must be a string");
            }
            for (JsonNode image : m.path("images")) {
                if (!image(image.asText(), "image/png") && !image(image.asText(), "image/jpeg")
                        && !image(image.asText(), "image/gif") && !image(image.asText(), "image/webp")) {
                    problems.add("messages." + i + ".images: illegal base64 data or not an image");
                }
            }
            if (role.equals("tool")) {
                if (!called.contains(m.path("tool_name").asText())) {
                    problems.add("messages." + i + ": a tool message must follow the assistant's call of its tool_name");
                }
                continue;
            }
            called.clear();
            for (JsonNode call : m.path("tool_calls")) {
                if (!role.equals("assistant") || !call.path("function").path("arguments").isObject()) {
                    problems.add("messages." + i + ".tool_calls: an assistant's calls, with object arguments");
                }
                called.add(call.path("function").path("name").asText());
            }
        }
        String last = messages.get(messages.size() - 1).path("role").asText();
        if (!last.equals("user") && !last.equals("tool")) {
            problems.add("messages: the last message must be the user's or a tool's");
        }
    }

    @Override
    protected boolean streaming(String path, JsonNode body) {
        return body.path("stream").asBoolean(true);
    }

    @Override
    protected void sendReply(ServerResponse res, JsonNode request, Behaviour.Reply reply) throws Exception {
        if (notPulled(res, request)) {
            return;
        }
        ObjectNode done = line(request, String.join("", reply.pieces()), true);
        finish(done, reply);
        sendJson(res, 200, done, Map.of());
    }

    @Override
    protected void sendStream(ServerResponse res, JsonNode request, List<String> pieces, Duration delay,
                              Behaviour ending) throws Exception {
        if (notPulled(res, request)) {
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            for (String piece : pieces) {
                Thread.sleep(delay);
                write(out, JSON.writeValueAsString(line(request, piece, false)) + "\n");
            }
            switch (ending) {
                case Behaviour.StreamThenError e -> write(out, JSON.writeValueAsString(
                        JSON.createObjectNode().put("error", e.message())) + "\n");
                case Behaviour.Reply r -> {
                    ObjectNode done = line(request, "", true);
                    finish(done, r);
                    write(out, JSON.writeValueAsString(done) + "\n");
                }
                default -> {
                    // cut: no done line
                }
            }
        }
    }

    @Override
    protected void sendError(ServerResponse res, int status, String message, Map<String, String> headers)
            throws Exception {
        sendJson(res, status, JSON.createObjectNode().put("error", message), headers);
    }

    /** Thinking in message.thinking; tool calls whole, with object arguments; the turn ends with a plain stop. */
    @Override
    protected void sendParts(ServerResponse res, JsonNode request, String thinking, String text, List<Call> calls,
                             boolean stream) throws Exception {
        if (notPulled(res, request)) {
            return;
        }
        List<ObjectNode> lines = new java.util.ArrayList<>();
        if (thinking != null) {
            for (String piece : halves(thinking)) {
                ObjectNode line = line(request, "", false);
                ((ObjectNode) line.get("message")).put("thinking", piece);
                lines.add(line);
            }
        }
        if (text != null) {
            halves(text).forEach(piece -> lines.add(line(request, piece, false)));
        }
        if (!calls.isEmpty()) {
            ObjectNode line = line(request, "", false);
            var array = ((ObjectNode) line.get("message")).putArray("tool_calls");
            for (int i = 0; i < calls.size(); i++) {
                ObjectNode call = array.addObject();
                call.put("id", calls.get(i).id());
                call.putObject("function").put("index", i).put("name", calls.get(i).name())
                        .set("arguments", JSON.readTree(calls.get(i).arguments()));
            }
            lines.add(line);
        }
        ObjectNode done = line(request, "", true);
        finish(done, new Behaviour.Reply(List.of(), Finish.STOP, 12, 7, Duration.ZERO));
        if (!stream) {
            // a blocking reply is the stream's lines folded into one message
            ObjectNode message = (ObjectNode) done.get("message");
            message.put("thinking", thinking == null ? "" : thinking).put("content", text == null ? "" : text);
            lines.stream().filter(l -> l.path("message").has("tool_calls"))
                    .forEach(l -> message.set("tool_calls", l.path("message").get("tool_calls")));
            sendJson(res, 200, done, Map.of());
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            for (ObjectNode line : lines) {
                write(out, JSON.writeValueAsString(line) + "\n");
            }
            write(out, JSON.writeValueAsString(done) + "\n");
        }
    }

    private boolean notPulled(ServerResponse res, JsonNode request) throws Exception {
        String model = request.path("model").asText();
        String tagged = model.contains(":") ? model : model + ":latest";
        if (pulled.contains(tagged)) {
            return false;
        }
        sendError(res, 404, "model \"" + model + "\" not found, try pulling it first", Map.of());
        return true;
    }

    private static ObjectNode line(JsonNode request, String content, boolean done) {
        ObjectNode line = JSON.createObjectNode();
        line.put("model", request.path("model").asText()).put("created_at", "2026-11-24T10:00:00.000000Z");
        line.putObject("message").put("role", "assistant").put("content", content);
        line.put("done", done);
        return line;
    }

    private static void finish(ObjectNode done, Behaviour.Reply reply) {
        done.put("done_reason", reply.finish() == Finish.LENGTH ? "length" : "stop")
                .put("total_duration", 4_883_583_458L).put("load_duration", 1_334_875L)
                .put("prompt_eval_count", reply.inputTokens()).put("prompt_eval_duration", 342_546_000L)
                .put("eval_count", reply.outputTokens()).put("eval_duration", 4_535_599_000L);
    }
}
