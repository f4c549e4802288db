package haia.testing;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * What the loopback fakes of the Ollama, OpenAI-compatible and Gemini protocols share: a real HTTP server on
 * 127.0.0.1, the record of requests, the rule violations seen, and a script of {@link Behaviour}s, protocol-neutral,
 * that each fake renders in its own documented formats. With an empty script a fake answers
 * {@code "Echo: <last user message>"}, streamed word by word when asked for a stream.
 */
public abstract class FakeUpstream implements AutoCloseable {

    protected static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    public record Received(String path, Map<String, String> headers, JsonNode body) {
    }

    /** Why a scripted reply ends, in neutral terms each fake writes in its own vocabulary. */
    public enum Finish { STOP, LENGTH, FILTER }

    /** How the fake answers one request. */
    public sealed interface Behaviour {
        /**
         * A normal reply. {@code inputTokens} is every prompt token, as OpenAI's {@code prompt_tokens} and Gemini's
         * {@code promptTokenCount} count them; {@code cachedTokens} is the part of them read from the provider's
         * prompt cache ({@code prompt_tokens_details.cached_tokens}, {@code cachedContentTokenCount}; Ollama has
         * none). {@code outputTokens} is every generated token, as OpenAI's {@code completion_tokens} counts it;
         * {@code reasoningTokens} the part of them spent thinking ({@code completion_tokens_details.reasoning_tokens};
         * Gemini writes them apart, as {@code thoughtsTokenCount} beside the rest in {@code candidatesTokenCount};
         * Ollama has no such count).
         */
        record Reply(List<String> pieces, Finish finish, int inputTokens, int outputTokens, Duration delay,
                     int cachedTokens, int reasoningTokens) implements Behaviour {
            public Reply(List<String> pieces, Finish finish, int inputTokens, int outputTokens, Duration delay) {
                this(pieces, finish, inputTokens, outputTokens, delay, 0);
            }

            public Reply(List<String> pieces, Finish finish, int inputTokens, int outputTokens, Duration delay,
                         int cachedTokens) {
                this(pieces, finish, inputTokens, outputTokens, delay, cachedTokens, 0);
            }
        }

        /** An HTTP error in the protocol's error shape. */
        record Error(int status, String message, Map<String, String> headers) implements Behaviour {
        }

        /** Streams {@code pieces}, then the protocol's mid-stream error instead of the end. */
        record StreamThenError(List<String> pieces, int status, String message) implements Behaviour {
        }

        /** Streams {@code pieces}, then closes the connection without the protocol's final event. */
        record StreamThenCut(List<String> pieces) implements Behaviour {
        }

        /** A reply that calls tools: the model's reasoning and text first when given (null: none), then the calls. */
        record ToolCalls(String thinking, String text, List<Call> calls) implements Behaviour {
        }

        /** A reply that reasons first (shown where the protocol has a field for it), then answers with {@code text}. */
        record Thought(String thinking, String text) implements Behaviour {
        }

        /**
         * An answer a real server was recorded sending, byte for byte: a body, or (when {@code events} is not null)
         * a stream of SSE {@code data:} events, one every {@code perEvent}. An {@code interruptible} stream ends with
         * {@code [DONE]} as soon as another model call arrives, as llama.cpp's server does by default.
         */
        record Recorded(int status, String contentType, String body, List<String> events, Duration perEvent,
                        boolean interruptible) implements Behaviour {
        }
    }

    /** One tool call of a scripted reply: its id, the tool, the arguments object as JSON text. */
    public record Call(String id, String name, String arguments) {
    }

    public static Behaviour toolCalls(Call... calls) {
        return new Behaviour.ToolCalls(null, null, List.of(calls));
    }

    public static Behaviour reply(String text) {
        return new Behaviour.Reply(List.of(text), Finish.STOP, 12, 7, Duration.ZERO);
    }

    public static Behaviour reply(String text, Finish finish) {
        return new Behaviour.Reply(List.of(text), finish, 12, 7, Duration.ZERO);
    }

    /** A reply that billed these tokens ({@code cachedTokens} of the {@code inputTokens} read from the cache). */
    public static Behaviour reply(String text, int inputTokens, int outputTokens, int cachedTokens) {
        return new Behaviour.Reply(List.of(text.split("(?<= )")), Finish.STOP, inputTokens, outputTokens, Duration.ZERO,
                                   cachedTokens);
    }

    /** A reply of a reasoning model: {@code reasoningTokens} of its {@code outputTokens} were thinking. */
    public static Behaviour reply(String text, int inputTokens, int outputTokens, int cachedTokens,
                                  int reasoningTokens) {
        return new Behaviour.Reply(List.of(text.split("(?<= )")), Finish.STOP, inputTokens, outputTokens, Duration.ZERO,
                                   cachedTokens, reasoningTokens);
    }

    public static Behaviour streamed(List<String> pieces, Duration delay) {
        return new Behaviour.Reply(pieces, Finish.STOP, 12, pieces.size(), delay);
    }

    public static Behaviour error(int status, String message) {
        return new Behaviour.Error(status, message, Map.of());
    }

    private WebServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Behaviour> script = new ConcurrentLinkedQueue<>();
    private volatile CountDownLatch disconnected = new CountDownLatch(1);
    /** Model calls that arrived so far (a recorded interruptible stream watches it). */
    private final java.util.concurrent.atomic.AtomicInteger arrivals = new java.util.concurrent.atomic.AtomicInteger();

    /** Starts the server on a free loopback port; each fake's factory calls it once it is fully built. */
    protected final <T extends FakeUpstream> T listen() {
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(this::routes)
                .build()
                .start();
        @SuppressWarnings("unchecked")
        T self = (T) this;
        return self;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    public void enqueue(Behaviour... behaviours) {
        script.addAll(List.of(behaviours));
    }

    public List<Received> requests() {
        return List.copyOf(received);
    }

    public Received lastRequest() {
        return received.getLast();
    }

    /** Rule violations seen in requests (must stay empty: HAIA always sends valid requests). */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** Waits until a streaming reply found its connection closed by HAIA. */
    public boolean awaitDisconnect(Duration timeout) throws InterruptedException {
        return disconnected.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void reset() {
        received.clear();
        violations.clear();
        script.clear();
        disconnected = new CountDownLatch(1);
    }

    @Override
    public void close() {
        server.stop();
    }

    // ---- what each protocol supplies ----

    /** The protocol's endpoints; model calls go to {@link #handle}. */
    protected abstract void routes(HttpRules rules);

    /** The protocol's rules for this request; each problem is answered as the real API answers it (400). */
    protected abstract List<String> check(String path, Map<String, String> headers, JsonNode body);

    /** Whether the request asks for a stream. */
    protected abstract boolean streaming(String path, JsonNode body);

    /** How the fake answers a request its script says nothing about: "Echo: " and the last user message. */
    protected Behaviour unscripted(String path, JsonNode body) {
        String echo = "Echo: " + lastUserText(body);
        return new Behaviour.Reply(List.of(echo.split("(?<= )")), Finish.STOP, 12, 7, Duration.ZERO);
    }

    /** The text of the last user message, for the echo reply; this reads the {@code messages} role/content shape. */
    protected String lastUserText(JsonNode body) {
        JsonNode messages = body.path("messages");
        return messages.get(messages.size() - 1).path("content").asText();
    }

    protected abstract void sendReply(ServerResponse res, JsonNode request, Behaviour.Reply reply) throws Exception;

    /** Writes a whole stream; {@code ending} is the reply's end, a mid-stream error, or a cut. */
    protected abstract void sendStream(ServerResponse res, JsonNode request, List<String> pieces, Duration delay,
                                       Behaviour ending) throws Exception;

    protected abstract void sendError(ServerResponse res, int status, String message, Map<String, String> headers)
            throws Exception;

    /** A reply with reasoning, text and tool calls (any of them absent: null or empty), blocking or streamed. */
    protected abstract void sendParts(ServerResponse res, JsonNode request, String thinking, String text,
                                      List<Call> calls, boolean stream) throws Exception;

    // ---- the shared request flow ----

    /** Handles one model call: record, check, then answer per the script. */
    protected void handle(ServerRequest req, ServerResponse res) throws Exception {
        String path = req.path().path();
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        req.headers().forEach(h -> headers.put(h.name(), h.get()));
        JsonNode body;
        try {
            body = JSON.readTree(req.content().as(byte[].class));
        } catch (Exception e) {
            violations.add("request body is not JSON");
            sendError(res, 400, "request body is not JSON: " + e.getMessage(), Map.of());
            return;
        }
        received.add(new Received(path, headers, body));
        int arrival = arrivals.incrementAndGet();
        List<String> problems = check(path, headers, body);
        if (!problems.isEmpty()) {
            violations.addAll(problems);
            sendError(res, problems.getFirst().startsWith("401 ") ? 401 : 400, String.join("; ", problems), Map.of());
            return;
        }
        Behaviour behaviour = script.poll();
        if (behaviour == null) {
            behaviour = unscripted(path, body);
        }
        boolean stream = streaming(path, body);
        try {
            switch (behaviour) {
                case Behaviour.Error e -> sendError(res, e.status(), e.message(), e.headers());
                case Behaviour.Reply r when stream -> sendStream(res, body, r.pieces(), r.delay(), r);
                case Behaviour.Reply r -> {
                    Thread.sleep(r.delay());
                    sendReply(res, body, r);
                }
                case Behaviour.StreamThenError s -> sendStream(res, body, s.pieces(), Duration.ZERO, s);
                case Behaviour.StreamThenCut c -> sendStream(res, body, c.pieces(), Duration.ZERO, c);
                case Behaviour.ToolCalls t -> sendParts(res, body, t.thinking(), t.text(), t.calls(), stream);
                case Behaviour.Thought t -> sendParts(res, body, t.thinking(), t.text(), List.of(), stream);
                case Behaviour.Recorded r -> sendRecorded(res, r, arrival);
            }
        } catch (java.io.UncheckedIOException | java.io.IOException closed) {
            disconnected.countDown();   // HAIA closed the connection (the client left, or a deadline passed)
        }
    }

    /** A recorded answer as it was recorded; a stream cut with {@code [DONE]} when another call arrives meanwhile. */
    private void sendRecorded(ServerResponse res, Behaviour.Recorded recorded, int arrival) throws Exception {
        res.status(Status.create(recorded.status()));
        res.header(HeaderNames.CONTENT_TYPE, recorded.contentType());
        if (recorded.events() == null) {
            res.send(recorded.body().getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (OutputStream out = res.outputStream()) {
            for (String event : recorded.events()) {
                write(out, "data: " + event + "\n\n");
                Thread.sleep(recorded.perEvent());
                if (recorded.interruptible() && arrivals.get() > arrival) {
                    write(out, "data: [DONE]\n\n");
                    return;
                }
            }
        }
    }

    protected static void sendJson(ServerResponse res, int status, JsonNode body, Map<String, String> headers)
            throws Exception {
        res.status(Status.create(status));
        headers.forEach((k, v) -> res.header(HeaderNames.create(k), v));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(body));
    }

    /** Writes and flushes one piece of a stream at once, as a real server does per token. */
    protected static void write(OutputStream out, String text) throws java.io.IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Checks an optional number field: a number within [min, max]. */
    protected static void range(List<String> problems, JsonNode parent, String field, double min, double max) {
        JsonNode value = parent.get(field);
        if (value != null && (!value.isNumber() || value.asDouble() < min || value.asDouble() > max)) {
            problems.add(field + ": must be a number between " + min + " and " + max);
        }
    }

    /** Checks an optional field that must be a positive integer. */
    protected static void positiveInt(List<String> problems, JsonNode parent, String field) {
        JsonNode value = parent.get(field);
        if (value != null && (!value.isIntegralNumber() || value.asLong() < 1)) {
            problems.add(field + ": must be a positive integer");
        }
    }

    /** Whether base64 data decodes to an image of the type it claims (its first bytes), as the real APIs check. */
    protected static boolean image(String base64, String mediaType) {
        byte[] data;
        try {
            data = java.util.Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String magic = switch (mediaType) {
            case "image/png" -> "89504e47";
            case "image/jpeg" -> "ffd8ff";
            case "image/gif" -> "47494638";
            case "image/webp" -> "52494646";
            default -> "-";
        };
        return java.util.HexFormat.of().formatHex(data, 0, Math.min(data.length, magic.length() / 2)).equals(magic);
    }

    /** A text in two pieces (split within it, so the pieces must be joined to be read). */
    protected static List<String> halves(String text) {
        int middle = text.length() / 2;
        if (middle > 0 && Character.isLowSurrogate(text.charAt(middle))) {
            middle--;
        }
        return middle == 0 ? List.of(text) : List.of(text.substring(0, middle), text.substring(middle));
    }

    protected static void stringArray(List<String> problems, JsonNode parent, String field, int maxItems) {
        JsonNode value = parent.get(field);
        if (value == null) {
            return;
        }
        if (!value.isArray() || value.size() > maxItems) {
            problems.add(field + ": must be an array of at most " + maxItems + " strings");
            return;
        }
        value.forEach(v -> {
            if (!v.isTextual()) {
                problems.add(field + ": must hold strings only");
            }
        });
    }
}
