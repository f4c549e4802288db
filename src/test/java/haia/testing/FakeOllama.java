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
        roleContentMessages(problems, body.path("messages"), Set.of("system", "user", "assistant", "tool"));
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
