package haia.testing;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A stand-in for Anthropic's Messages API on 127.0.0.1, for tests. Every request is checked against Anthropic's
 * documented rules (headers, required fields, role order, value ranges); a request that breaks one is answered the
 * way Anthropic answers it (400 {@code invalid_request_error}) and recorded in {@link #violations()}.
 *
 * <p>Replies follow a queue of {@link Behaviour}s; with an empty queue the fake answers
 * {@code "Echo: <last user message>"}, streamed word by word when the request asks for a stream.
 */
public final class FakeAnthropic implements AutoCloseable {

    public static final String API_KEY = "sk-ant-test-4f1c9e";
    /** How far the "endless" behaviours go when nobody stops them, so a test of a broken HAIA still ends. */
    private static final Duration ENDLESS = Duration.ofMinutes(1);
    private static final long ENDLESS_BYTES = 256L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    public record Received(Map<String, String> headers, JsonNode body) {
        public String lastUserText() {
            JsonNode messages = body.path("messages");
            JsonNode content = messages.get(messages.size() - 1).path("content");
            String text = text(content);
            if (text.isEmpty() && content.isArray()) {
                List<String> results = new ArrayList<>();
                content.forEach(block -> results.add(text(block.path("content"))));
                return String.join(" ", results);
            }
            return text;
        }

        /** The system prompt: a string, or text blocks (the persona, then the client's own) read as one text. */
        public String systemText() {
            JsonNode system = body.path("system");
            if (system.isTextual()) {
                return system.asText();
            }
            List<String> blocks = new ArrayList<>();
            system.forEach(block -> blocks.add(block.path("text").asText()));
            return String.join("\n\n", blocks);
        }
    }

    /** How the fake answers one request. */
    public sealed interface Behaviour {
        /**
         * A normal reply; streamed as {@code pieces} (one delta each) when the request streams. The token counts are
         * Anthropic's own: {@code inputTokens} is its {@code input_tokens}, the uncached part of the prompt only;
         * {@code cacheReadTokens} ({@code cache_read_input_tokens}) and {@code cacheWriteTokens}
         * ({@code cache_creation_input_tokens}) come on top of it.
         */
        record Reply(List<String> pieces, String stopReason, int inputTokens, int outputTokens, Duration delay,
                     int cacheReadTokens, int cacheWriteTokens) implements Behaviour {
            public Reply(List<String> pieces, String stopReason, int inputTokens, int outputTokens, Duration delay) {
                this(pieces, stopReason, inputTokens, outputTokens, delay, 0, 0);
            }
        }

        /** An HTTP error with Anthropic's error body. */
        record Error(int status, String type, String message, Map<String, String> headers) implements Behaviour {
        }

        /** Streams {@code pieces}, then an {@code error} event instead of the end of the message. */
        record StreamThenError(List<String> pieces, String errorType, Duration delay) implements Behaviour {
        }

        /** Accepts the request and then says nothing for {@code duration}: no status, no headers. */
        record Stall(Duration duration) implements Behaviour {
        }

        // ---- a hostile upstream ----

        /** An error whose body is not Anthropic's JSON (a proxy's page, a stack trace), with the given headers. */
        record RawError(int status, String body, Map<String, String> headers) implements Behaviour {
        }

        /** Streams {@code pieces}, then an {@code error} event with this type and message; the headers on the 200. */
        record MidStreamError(List<String> pieces, String type, String message, Map<String, String> headers)
                implements Behaviour {
        }

        /** A stream of {@code piece} deltas that never ends (until HAIA hangs up; at most a minute or 256 MB). */
        record Endless(String piece, Duration delay) implements Behaviour {
        }

        /** A stream of pings that never ends and never says anything (until HAIA hangs up; at most a minute or 256 MB). */
        record EndlessPings() implements Behaviour {
        }

        /** A blocking 200 whose JSON body never ends (until HAIA hangs up; at most a minute or 256 MB). */
        record EndlessBody() implements Behaviour {
        }

        /** A blocking 200 reply whose body arrives one byte every {@code perByte}. */
        record Trickle(String text, Duration perByte) implements Behaviour {
        }

        // ---- beyond text ----

        /**
         * A reply that calls tools: optional thinking (signed), optional text, then {@code tool_use} blocks with
         * {@code stop_reason: tool_use}; streamed as {@code input_json_delta} pieces.
         */
        record ToolUse(String thinking, String text, List<Call> calls) implements Behaviour {
        }

        /** A reply that thinks first (a signed thinking block), then answers with {@code pieces}. */
        record Thought(String thinking, List<String> pieces) implements Behaviour {
        }

        /** A call of the tool the request forces ({@code tool_choice} tool, else its last tool) with this input. */
        record ForcedTool(String input) implements Behaviour {
        }
    }

    /** One tool call of a scripted reply: its id, the tool, the input object as JSON text. */
    public record Call(String id, String name, String input) {
    }

    public static Behaviour toolUse(Call... calls) {
        return new Behaviour.ToolUse(null, null, List.of(calls));
    }

    public static Behaviour reply(String text) {
        return new Behaviour.Reply(List.of(text), "end_turn", 10, 5, Duration.ZERO);
    }

    /** A reply that billed these tokens, in Anthropic's terms (see {@link Behaviour.Reply}). */
    public static Behaviour reply(String text, int inputTokens, int outputTokens, int cacheReadTokens,
                                  int cacheWriteTokens) {
        return new Behaviour.Reply(List.of(text.split("(?<= )")), "end_turn", inputTokens, outputTokens, Duration.ZERO,
                                   cacheReadTokens, cacheWriteTokens);
    }

    public static Behaviour streamed(List<String> pieces, Duration delay) {
        return new Behaviour.Reply(pieces, "end_turn", 10, pieces.size(), delay);
    }

    public static Behaviour error(int status, String type, String message) {
        return new Behaviour.Error(status, type, message, Map.of());
    }

    public static Behaviour error(int status, String type, String message, Map<String, String> headers) {
        return new Behaviour.Error(status, type, message, headers);
    }

    private final String apiKey;
    private final WebServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Behaviour> script = new ConcurrentLinkedQueue<>();
    /** Model ids and aliases {@code GET /v1/models/{id}} knows (../shared/notes/wire-formats.md §1.9). */
    private final java.util.Set<String> models = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<String> modelLookups = new CopyOnWriteArrayList<>();
    private volatile Function<Received, Behaviour> responder = FakeAnthropic::echo;
    /** When set, replies bill the prompt's tokens as Anthropic's prompt cache would (see {@link #accountCaching}). */
    private volatile PromptCacheAccounting caching;
    private final AtomicInteger eventsWritten = new AtomicInteger();
    private volatile CountDownLatch disconnected = new CountDownLatch(1);
    private volatile CountDownLatch streamFinished = new CountDownLatch(1);

    private FakeAnthropic(String apiKey) {
        this.apiKey = apiKey;
        models.addAll(List.of("claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-sonnet-4-5",
                              "claude-sonnet-4-5-20250929", "claude-opus-4-5", "claude-opus-4-5-20251101",
                              "claude-sonnet-4-6", "claude-opus-4-6"));
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(r -> r.post("/v1/messages", this::messages)
                        .get("/v1/models/{id}", this::model))
                .build()
                .start();
    }

    public static FakeAnthropic start() {
        return new FakeAnthropic(API_KEY);
    }

    /** A fake that expects this API key in {@code x-api-key}. */
    public static FakeAnthropic start(String apiKey) {
        return new FakeAnthropic(apiKey);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Models the key may use, replacing the defaults. */
    public void models(String... ids) {
        models.clear();
        models.addAll(List.of(ids));
    }

    /** Ids asked for with {@code GET /v1/models/{id}}. */
    public List<String> modelLookups() {
        return List.copyOf(modelLookups);
    }

    /**
     * From now on, a {@link Behaviour.Reply} bills the request's prompt as Anthropic does with its prompt cache
     * (breakpoints, lookback, minimum length, TTL on {@code clock}): {@code input_tokens},
     * {@code cache_read_input_tokens} and {@code cache_creation_input_tokens} come from the returned accounting,
     * which also keeps the totals.
     */
    public PromptCacheAccounting accountCaching(java.time.Clock clock) {
        caching = new PromptCacheAccounting(clock);
        return caching;
    }

    public void enqueue(Behaviour... behaviours) {
        script.addAll(List.of(behaviours));
    }

    /** How requests are answered while the script is empty (by default {@code "Echo: <last user message>"}). */
    public void respondWith(Function<Received, Behaviour> responder) {
        this.responder = responder;
    }

    /**
     * The default answer: {@code "Echo: <last user message>"}, one piece per word when streamed; a turn of tool
     * results is answered {@code "Echo: <the results' texts>"}.
     */
    public static Behaviour echo(Received request) {
        String echo = "Echo: " + request.lastUserText();
        return new Behaviour.Reply(List.of(echo.split("(?<= )")), "end_turn", 10, 5, Duration.ZERO);
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

    /** Stream events written so far (all requests). */
    public int eventsWritten() {
        return eventsWritten.get();
    }

    /** Waits until a streaming reply found its connection closed by HAIA. */
    public boolean awaitDisconnect(Duration timeout) throws InterruptedException {
        return disconnected.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until a streaming reply wrote its last event. */
    public boolean awaitStreamFinished(Duration timeout) throws InterruptedException {
        return streamFinished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void reset() {
        received.clear();
        violations.clear();
        script.clear();
        disconnected = new CountDownLatch(1);
        streamFinished = new CountDownLatch(1);
    }

    @Override
    public void close() {
        server.stop();
    }

    // ---- the endpoints ----

    /** {@code GET /v1/models/{model_id}}: a {@code ModelInfo}, or 404 {@code not_found_error}. */
    private void model(ServerRequest req, ServerResponse res) throws Exception {
        String id = req.path().pathParameters().get("id");
        modelLookups.add(id);
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        req.headers().forEach(h -> headers.put(h.name(), h.get()));
        if (!apiKey.equals(headers.get("x-api-key"))) {
            violations.add("x-api-key header missing or wrong");
            send(res, 401, errorBody("authentication_error", "invalid x-api-key"));
            return;
        }
        if (!"2023-06-01".equals(headers.get("anthropic-version"))) {
            reject(res, "anthropic-version header must be 2023-06-01");
            violations.add("anthropic-version header must be 2023-06-01");
            return;
        }
        if (!models.contains(id)) {
            send(res, 404, errorBody("not_found_error", "model: " + id));
            return;
        }
        ObjectNode info = JSON.createObjectNode().put("type", "model").put("id", id)
                .put("display_name", id).put("created_at", "2025-10-01T00:00:00Z");
        send(res, 200, info);
    }

    private void messages(ServerRequest req, ServerResponse res) throws Exception {
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        req.headers().forEach(h -> headers.put(h.name(), h.get()));
        byte[] raw = req.content().as(byte[].class);
        JsonNode body;
        try {
            body = JSON.readTree(raw);
        } catch (Exception e) {
            reject(res, "request body is not JSON: " + e.getMessage());
            return;
        }
        Received request = new Received(headers, body);
        received.add(request);
        List<String> problems = AnthropicRules.check(headers, body, apiKey);
        if (!problems.isEmpty()) {
            violations.addAll(problems);
            reject(res, String.join("; ", problems));
            return;
        }
        Optional<String> cacheProblem = PromptCacheAccounting.problem(body);
        if (cacheProblem.isPresent()) {
            violations.add(cacheProblem.get());
            reject(res, cacheProblem.get());
            return;
        }
        Behaviour behaviour = script.poll();
        if (behaviour == null) {
            behaviour = responder.apply(request);
        }
        PromptCacheAccounting accounting = caching;
        if (accounting != null && behaviour instanceof Behaviour.Reply r) {
            // the prompt's tokens as Anthropic would bill them, its cache included
            PromptCacheAccounting.Billing billed = accounting.bill(body);
            behaviour = new Behaviour.Reply(r.pieces(), r.stopReason(), billed.input(), r.outputTokens(), r.delay(),
                                            billed.cacheRead(), billed.cacheWrite());
        }
        boolean stream = body.path("stream").asBoolean(false);
        switch (behaviour) {
            case Behaviour.Error e -> {
                e.headers().forEach((k, v) -> res.header(HeaderNames.create(k), v));
                send(res, e.status(), errorBody(e.type(), e.message()));
            }
            case Behaviour.Stall s -> {
                Thread.sleep(s.duration());
                send(res, 500, errorBody("api_error", "stalled"));
            }
            case Behaviour.Reply r when stream -> streamReply(res, body, r.pieces(), r.stopReason(), usage(r), r.delay(),
                                                              (ObjectNode) null);
            case Behaviour.Reply r -> {
                Thread.sleep(r.delay());
                send(res, 200, message(body, String.join("", r.pieces()), r.stopReason(), usage(r)));
            }
            case Behaviour.StreamThenError s -> streamReply(res, body, s.pieces(), null, new Billed(10, 0, 0, 0), s.delay(),
                                                            s.errorType());
            case Behaviour.RawError e -> {
                e.headers().forEach((k, v) -> res.header(HeaderNames.create(k), v));
                res.status(Status.create(e.status()));
                res.header(HeaderNames.CONTENT_TYPE, "text/plain");
                res.send(e.body().getBytes(StandardCharsets.UTF_8));
            }
            case Behaviour.MidStreamError m -> {
                m.headers().forEach((k, v) -> res.header(HeaderNames.create(k), v));
                ObjectNode error = JSON.createObjectNode().put("type", "error");
                error.putObject("error").put("type", m.type()).put("message", m.message());
                streamReply(res, body, m.pieces(), null, new Billed(10, 0, 0, 0), Duration.ZERO, error);
            }
            case Behaviour.Endless e -> endless(res, e.delay(), e.piece().length() + 120, out -> {
                ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
                delta.putObject("delta").put("type", "text_delta").put("text", e.piece());
                event(out, "content_block_delta", delta);
            });
            case Behaviour.EndlessPings p -> endless(res, Duration.ZERO, 40,
                                                     out -> event(out, "ping", JSON.readTree("{\"type\":\"ping\"}")));
            case Behaviour.EndlessBody b -> {
                res.status(Status.OK_200);
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                byte[] chunk = "a".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                long until = System.nanoTime() + ENDLESS.toNanos();
                try (OutputStream out = res.outputStream()) {
                    out.write("{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\""
                                      .getBytes(StandardCharsets.US_ASCII));
                    for (long written = 0; System.nanoTime() < until && written < ENDLESS_BYTES; written += chunk.length) {
                        out.write(chunk);
                        out.flush();
                    }
                } catch (Exception e) {
                    disconnected.countDown();
                }
            }
            case Behaviour.ToolUse t -> {
                List<ObjectNode> blocks = blocks(t.thinking(), t.text(), t.calls());
                if (stream) {
                    streamBlocks(res, body, blocks, "tool_use");
                } else {
                    send(res, 200, message(body, blocks, "tool_use", 10, 5));
                }
            }
            case Behaviour.Thought t -> {
                List<ObjectNode> blocks = blocks(t.thinking(), String.join("", t.pieces()), List.of());
                if (stream) {
                    streamBlocks(res, body, blocks, "end_turn");
                } else {
                    send(res, 200, message(body, blocks, "end_turn", 10, 5));
                }
            }
            case Behaviour.ForcedTool f -> {
                JsonNode choice = body.path("tool_choice");
                JsonNode tools = body.path("tools");
                String name = choice.path("type").asText().equals("tool") ? choice.path("name").asText()
                        : tools.get(tools.size() - 1).path("name").asText();
                List<ObjectNode> blocks = blocks(null, null, List.of(new Call("toolu_answer1", name, f.input())));
                if (stream) {
                    streamBlocks(res, body, blocks, "tool_use");
                } else {
                    send(res, 200, message(body, blocks, "tool_use", 10, 5));
                }
            }
            case Behaviour.Trickle t -> {
                byte[] reply = JSON.writeValueAsBytes(message(body, t.text(), "end_turn", new Billed(10, 5, 0, 0)));
                res.status(Status.OK_200);
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(reply.length));
                try (OutputStream out = res.outputStream()) {
                    for (byte b : reply) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(t.perByte());
                    }
                } catch (Exception e) {
                    disconnected.countDown();
                }
            }
        }
    }

    /** The never-ending streams: the message's start, then {@code event} again and again until HAIA hangs up. */
    private void endless(ServerResponse res, Duration delay, int eventBytes, EventWriter event) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        OutputStream out = res.outputStream();
        long until = System.nanoTime() + ENDLESS.toNanos();
        try {
            event(out, "message_start", JSON.readTree("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_endless\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":"
                    + "{\"input_tokens\":10,\"output_tokens\":1}}}"));
            for (long written = 0; System.nanoTime() < until && written < ENDLESS_BYTES; written += eventBytes) {
                event.write(out);
                if (!delay.isZero()) {
                    Thread.sleep(delay);
                }
            }
            out.close();
        } catch (Exception e) {
            disconnected.countDown();   // HAIA hung up: what the test waits for
        }
    }

    @FunctionalInterface
    private interface EventWriter {
        void write(OutputStream out) throws Exception;
    }

    /** What a reply billed, in Anthropic's terms: {@code input} is the uncached part of the prompt. */
    private record Billed(int input, int output, int cacheRead, int cacheWrite) {
    }

    private static Billed usage(Behaviour.Reply reply) {
        return new Billed(reply.inputTokens(), reply.outputTokens(), reply.cacheReadTokens(), reply.cacheWriteTokens());
    }

    /**
     * A {@code usage} object as Anthropic writes it (../shared/notes/wire-formats.md §1.3-1.5): the three input
     * counts, the cache writes split by TTL (all 5-minute here), the output count.
     */
    private static ObjectNode usage(ObjectNode parent, Billed billed, int outputTokens, boolean whole) {
        ObjectNode usage = parent.putObject("usage");
        usage.put("input_tokens", billed.input()).put("cache_creation_input_tokens", billed.cacheWrite())
                .put("cache_read_input_tokens", billed.cacheRead());
        if (whole) {
            usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", billed.cacheWrite())
                    .put("ephemeral_1h_input_tokens", 0);
        }
        usage.put("output_tokens", outputTokens);
        if (whole) {
            usage.put("service_tier", "standard");
        }
        return usage;
    }

    private void streamReply(ServerResponse res, JsonNode request, List<String> pieces, String stopReason,
                             Billed billed, Duration delay, String errorType) {
        streamReply(res, request, pieces, stopReason, billed, delay, errorType == null ? null
                : (ObjectNode) JSON.createObjectNode().put("type", "error").set("error", JSON.createObjectNode()
                        .put("type", errorType).put("message", "Overloaded")));
    }

    private void streamReply(ServerResponse res, JsonNode request, List<String> pieces, String stopReason,
                             Billed billed, Duration delay, ObjectNode errorEvent) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        if (!res.headers().contains(HeaderNames.create("request-id"))) {
            res.header(HeaderNames.create("request-id"), "req_fake_stream");
        }
        OutputStream out = res.outputStream();
        try {
            ObjectNode start = JSON.createObjectNode().put("type", "message_start");
            ObjectNode message = start.putObject("message");
            message.put("id", "msg_fake").put("type", "message").put("role", "assistant")
                    .put("model", request.path("model").asText()).putArray("content");
            message.putNull("stop_reason");
            usage(message, billed, 1, true);
            event(out, "message_start", start);
            event(out, "content_block_start", JSON.readTree(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
            event(out, "ping", JSON.readTree("{\"type\":\"ping\"}"));
            for (String piece : pieces) {
                Thread.sleep(delay);
                ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
                delta.putObject("delta").put("type", "text_delta").put("text", piece);
                event(out, "content_block_delta", delta);
            }
            if (errorEvent != null) {
                event(out, "error", errorEvent);
            } else {
                event(out, "content_block_stop", JSON.readTree("{\"type\":\"content_block_stop\",\"index\":0}"));
                ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
                messageDelta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
                // cumulative, as in the recorded stream of the SDK's test snapshot
                usage(messageDelta, billed, billed.output(), false);
                event(out, "message_delta", messageDelta);
                event(out, "message_stop", JSON.readTree("{\"type\":\"message_stop\"}"));
            }
            out.close();
            streamFinished.countDown();
        } catch (Exception e) {
            // HAIA closed the connection (the client left, or a deadline passed)
            disconnected.countDown();
        }
    }

    private void event(OutputStream out, String name, JsonNode data) throws Exception {
        out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n")
                          .getBytes(StandardCharsets.UTF_8));
        out.flush();
        eventsWritten.incrementAndGet();
    }

    /** Content blocks: a signed thinking block, a text block, tool_use blocks, each when given. */
    private static List<ObjectNode> blocks(String thinking, String text, List<Call> calls) throws Exception {
        List<ObjectNode> blocks = new ArrayList<>();
        if (thinking != null) {
            blocks.add(JSON.createObjectNode().put("type", "thinking").put("thinking", thinking)
                               .put("signature", AnthropicRules.signature(thinking)));
        }
        if (text != null && !text.isEmpty()) {
            blocks.add(JSON.createObjectNode().put("type", "text").put("text", text));
        }
        for (Call call : calls) {
            ObjectNode block = JSON.createObjectNode().put("type", "tool_use").put("id", call.id())
                    .put("name", call.name());
            block.set("input", JSON.readTree(call.input()));
            blocks.add(block);
        }
        return blocks;
    }

    private static ObjectNode message(JsonNode request, List<ObjectNode> blocks, String stopReason, int in, int out) {
        ObjectNode message = JSON.createObjectNode();
        message.put("id", "msg_fake").put("type", "message").put("role", "assistant")
                .put("model", request.path("model").asText());
        message.putArray("content").addAll(blocks);
        message.put("stop_reason", stopReason).putNull("stop_sequence");
        usage(message, new Billed(in, out, 0, 0), out, true);
        return message;
    }

    /**
     * Streams content blocks as Anthropic does: thinking as {@code thinking_delta} pieces and a
     * {@code signature_delta} just before the block stops; text as {@code text_delta}s; tool use as a
     * {@code content_block_start} with the id, name and an empty placeholder input, then its input in
     * {@code input_json_delta} pieces (the first one empty, as the SDK's recordings show).
     */
    private void streamBlocks(ServerResponse res, JsonNode request, List<ObjectNode> blocks, String stopReason)
            throws Exception {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.create("request-id"), "req_fake_stream");
        OutputStream out = res.outputStream();
        try {
            ObjectNode start = JSON.createObjectNode().put("type", "message_start");
            ObjectNode message = start.putObject("message");
            message.put("id", "msg_fake").put("type", "message").put("role", "assistant")
                    .put("model", request.path("model").asText()).putArray("content");
            message.putObject("usage").put("input_tokens", 10).put("output_tokens", 1);
            event(out, "message_start", start);
            for (int index = 0; index < blocks.size(); index++) {
                ObjectNode block = blocks.get(index);
                String type = block.path("type").asText();
                ObjectNode startBlock = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
                ObjectNode placeholder = startBlock.putObject("content_block").put("type", type);
                switch (type) {
                    case "thinking" -> placeholder.put("thinking", "").put("signature", "");
                    case "text" -> placeholder.put("text", "");
                    default -> placeholder.put("id", block.path("id").asText()).put("name", block.path("name").asText())
                            .putObject("input");
                }
                event(out, "content_block_start", startBlock);
                switch (type) {
                    case "thinking" -> {
                        for (String piece : halves(block.path("thinking").asText())) {
                            delta(out, index, "thinking_delta", "thinking", piece);
                        }
                        delta(out, index, "signature_delta", "signature", block.path("signature").asText());
                    }
                    case "text" -> {
                        for (String piece : halves(block.path("text").asText())) {
                            delta(out, index, "text_delta", "text", piece);
                        }
                    }
                    default -> {
                        delta(out, index, "input_json_delta", "partial_json", "");
                        for (String piece : halves(JSON.writeValueAsString(block.path("input")))) {
                            delta(out, index, "input_json_delta", "partial_json", piece);
                        }
                    }
                }
                event(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop")
                        .put("index", index));
            }
            ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
            messageDelta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
            messageDelta.putObject("usage").put("output_tokens", 7);
            event(out, "message_delta", messageDelta);
            event(out, "message_stop", JSON.readTree("{\"type\":\"message_stop\"}"));
            out.close();
            streamFinished.countDown();
        } catch (Exception e) {
            disconnected.countDown();
        }
    }

    private void delta(OutputStream out, int index, String type, String field, String value) throws Exception {
        ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
        delta.putObject("delta").put("type", type).put(field, value);
        event(out, "content_block_delta", delta);
    }

    /** A text in two pieces (split within it, so pieces must be joined to be read). */
    private static List<String> halves(String text) {
        int middle = text.length() / 2;
        if (middle > 0 && Character.isLowSurrogate(text.charAt(middle))) {
            middle--;
        }
        return middle == 0 ? List.of(text) : List.of(text.substring(0, middle), text.substring(middle));
    }

    private static ObjectNode message(JsonNode request, String text, String stopReason, Billed billed) {
        ObjectNode message = JSON.createObjectNode();
        message.put("id", "msg_fake").put("type", "message").put("role", "assistant")
                .put("model", request.path("model").asText());
        message.putArray("content").addObject().put("type", "text").put("text", text);
        message.put("stop_reason", stopReason).putNull("stop_sequence");
        usage(message, billed, billed.output(), true);
        return message;
    }

    private static ObjectNode errorBody(String type, String message) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        body.put("request_id", "req_fake_error");
        return body;
    }

    private static void send(ServerResponse res, int status, JsonNode body) throws Exception {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        if (!res.headers().contains(HeaderNames.create("request-id"))) {
            res.header(HeaderNames.create("request-id"), "req_fake_" + status);
        }
        res.send(JSON.writeValueAsBytes(body));
    }

    private void reject(ServerResponse res, String problem) throws Exception {
        res.header(HeaderNames.create("x-should-retry"), "false");
        send(res, 400, errorBody("invalid_request_error", problem));
    }

    // ---- Anthropic's request rules: AnthropicRules ----

    /** A message content as text: a string, or its text blocks joined (blocks marked for the prompt cache, say). */
    public static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        if (content instanceof ArrayNode blocks) {
            blocks.forEach(b -> text.append(b.path("text").asText()));
        }
        return text.toString();
    }
}
