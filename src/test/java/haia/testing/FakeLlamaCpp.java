package haia.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerResponse;

/**
 * llama.cpp's OpenAI-compatible server (llama-cpp-python 0.3.36 with SmolLM2-135M-Instruct) on 127.0.0.1, answering
 * as bin/e2e-local-model recorded the real one answering (src/test/resources/llamacpp/), byte for byte where the
 * answer does not depend on the request. Requests are still checked against the Chat Completions rules
 * ({@link FakeOpenAiServer}). What the recordings show, and this server does:
 * <ul>
 *     <li>a stream: the recorded chunks, role first, the finish reason on its own chunk, then {@code [DONE]}; never a
 *         usage chunk, whatever {@code stream_options} asks (stream.json); a second model call arriving meanwhile
 *         cuts it with {@code [DONE]} and no finish reason (interrupted-stream.json, the server's default
 *         {@code interrupt_requests});</li>
 *     <li>a blocking call: the recorded completion, with usage (blocking.json);</li>
 *     <li>a prompt of its context size or more, counted in its own tokens (at the recorded tokens per character):
 *         streamed, HTTP 200 and not a single event (context-empty-stream.json); blocking, a 400
 *         {@code context_length_exceeded} in the recorded words with this request's numbers
 *         (context-length-exceeded.json);</li>
 *     <li>a picture: streamed, an empty 200 (image-empty-stream.json); blocking, HTTP 500 "can only concatenate str
 *         (not "list") to str" (image-500.json);</li>
 *     <li>{@code response_format: json_schema}: HTTP 500 with its validation error (json-schema-500.json);</li>
 *     <li>{@code GET /v1/models} as recorded; {@code /props}, LM Studio's and Ollama's endpoints: 404
 *         {@code {"detail":"Not Found"}} (props.json, not-ollama.json).</li>
 * </ul>
 */
public final class FakeLlamaCpp extends FakeOpenAiServer {

    /** The recorded server's context (bin/e2e-local-model starts it with --n_ctx 1024). */
    public static final int N_CTX = 1024;
    private static final Pattern PROMPT_TOKENS = Pattern.compile("\\((\\d+) in the messages");

    private final int contextTokens;
    private final double tokensPerChar;
    private volatile Duration perEvent = Duration.ZERO;

    private FakeLlamaCpp(int contextTokens) {
        super(Optional.empty());
        this.contextTokens = contextTokens;
        JsonNode overflow = recording("context-length-exceeded");
        Matcher prompt = PROMPT_TOKENS.matcher(overflow.path("response").path("body").asText());
        if (!prompt.find()) {
            throw new IllegalStateException("context-length-exceeded.json says no prompt size");
        }
        this.tokensPerChar = Double.parseDouble(prompt.group(1)) / chars(overflow.path("request").path("body"));
    }

    /** The server as recorded: {@value #N_CTX} tokens of context. */
    public static FakeLlamaCpp start() {
        return new FakeLlamaCpp(N_CTX).listen();
    }

    /** How long the server takes per streamed chunk (a stream long enough to be cut by a second one). */
    public void perEvent(Duration delay) {
        this.perEvent = delay;
    }

    /** The tokens per character the recorded server counted in its overflow answer. */
    public double tokensPerChar() {
        return tokensPerChar;
    }

    /** The recording {@code name} (src/test/resources/llamacpp/{name}.json). */
    public static JsonNode recording(String name) {
        try (InputStream in = FakeLlamaCpp.class.getResourceAsStream("/llamacpp/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("no recording " + name);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void routes(HttpRules rules) {
        rules.post("/v1/chat/completions", this::handle)
                .get("/v1/models", (req, res) -> send(res, recording("models")))
                // FastAPI's answer to any path the server does not have, whatever the method
                .any((req, res) -> send(res, recording("not-ollama")));
    }

    @Override
    protected Behaviour unscripted(String path, JsonNode body) {
        boolean stream = body.path("stream").asBoolean(false);
        if ("json_schema".equals(body.path("response_format").path("type").asText())) {
            return recorded("json-schema-500");
        }
        if (hasPicture(body)) {
            return stream ? recorded("image-empty-stream") : recorded("image-500");
        }
        long prompt = Math.round(chars(body) * tokensPerChar);
        if (prompt >= contextTokens) {
            return stream ? recorded("context-empty-stream") : overflow(body, prompt);
        }
        return recorded(stream ? "stream" : "blocking");
    }

    /** The recorded 400 with this request's numbers, in the recorded words. */
    private Behaviour overflow(JsonNode body, long prompt) {
        int completion = body.path("max_tokens").asInt(0);
        String recorded = recording("context-length-exceeded").path("response").path("body").asText();
        String answer = recorded
                .replaceFirst("context length is \\d+", "context length is " + contextTokens)
                .replaceFirst("you requested \\d+ tokens", "you requested " + (prompt + completion) + " tokens")
                .replaceFirst("\\(\\d+ in the messages, \\d+ in the completion\\)",
                              "(" + prompt + " in the messages, " + completion + " in the completion)");
        return new Behaviour.Recorded(400, "application/json", answer, null, Duration.ZERO, false);
    }

    private Behaviour recorded(String name) {
        JsonNode response = recording(name).path("response");
        String contentType = response.path("headers").path("content-type").asText("application/json");
        String body = response.path("body").asText();
        if (!contentType.startsWith("text/event-stream")) {
            return new Behaviour.Recorded(response.path("status").asInt(), contentType, body, null, Duration.ZERO,
                                          false);
        }
        List<String> events = body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        return new Behaviour.Recorded(response.path("status").asInt(), contentType, body, events, perEvent, true);
    }

    private static void send(ServerResponse res, JsonNode recording) {
        JsonNode response = recording.path("response");
        res.status(Status.create(response.path("status").asInt()));
        res.header(HeaderNames.CONTENT_TYPE, response.path("headers").path("content-type").asText());
        res.send(response.path("body").asText());
    }

    private static boolean hasPicture(JsonNode body) {
        for (JsonNode message : body.path("messages")) {
            for (JsonNode part : message.path("content")) {
                if ("image_url".equals(part.path("type").asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The characters of a request's messages, as the server's chat template takes them (roughly). */
    private static long chars(JsonNode body) {
        long chars = 0;
        for (JsonNode message : body.path("messages")) {
            JsonNode content = message.path("content");
            chars += content.isTextual() ? content.asText().length() : content.toString().length();
        }
        return chars;
    }
}
