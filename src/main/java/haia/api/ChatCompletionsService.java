package haia.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

import haia.chat.ChatCommand;
import haia.chat.ChatPipeline;
import haia.chat.MemoryBudget;
import haia.chat.ReplySink;
import haia.config.HaiaConfig;
import haia.llm.Cancellation;
import haia.observe.HaiaMetrics;
import haia.openai.ChatCompletionRequest;
import haia.openai.InvalidRequestException;
import haia.openai.OpenAiWriter;
import haia.openai.RequestParser;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /v1/chat/completions}: parses the OpenAI request, picks the reply sink (JSON or server-sent events)
 * and hands both to the {@link ChatPipeline}.
 */
public final class ChatCompletionsService implements HttpService {

    /** Which HAIA model answered (differs from the requested one after a fallback or for unknown model names). */
    public static final HeaderName MODEL_HEADER = HeaderNames.create("X-Haia-Model");
    private static final int MAX_HEADER_VALUE = 256;
    private static final char[] ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final ChatPipeline pipeline;
    private final RequestParser parser;
    private final ErrorMapper errors;
    private final HaiaMetrics metrics;
    private final Clock clock;
    private final long maxBodyBytes;
    private final Duration keepAlive;
    private final ScheduledExecutorService timers;
    private final HeaderName conversationHeader;
    private final HeaderName chatIdHeader;
    private final HeaderName taskHeader;
    private final ClientConnections connections;
    private final MemoryBudget memory;

    /**
     * What a body's byte costs while its request runs: the bytes themselves until parsed, the JSON text and tree of
     * the parse, then its pictures decoded (OpenWebUI sends all of a chat's pictures with each message).
     */
    private static final long HELD_PER_BYTE = 2;
    /** A body is received before there is a request to cancel: its wait for memory ends by its own timeout. */
    private static final Cancellation NOT_CANCELLED = new Cancellation();

    public ChatCompletionsService(ChatPipeline pipeline, HaiaConfig config, ErrorMapper errors, HaiaMetrics metrics,
                                  ScheduledExecutorService timers, ClientConnections connections, MemoryBudget memory,
                                  Clock clock) {
        this.pipeline = pipeline;
        this.parser = new RequestParser(config.chat().maxMessageChars(), config.chat().maxImageBytes());
        this.errors = errors;
        this.metrics = metrics;
        this.clock = clock;
        this.maxBodyBytes = config.server().maxBodyBytes();
        this.keepAlive = config.server().keepAlive();
        this.timers = timers;
        this.conversationHeader = HeaderNames.create(config.chat().conversationHeader());
        this.chatIdHeader = HeaderNames.create(config.chat().chatIdHeader());
        this.taskHeader = HeaderNames.create(config.chat().taskHeader());
        this.connections = connections;
        this.memory = memory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat/completions", this::chatCompletions);
    }

    /**
     * The request's body is held (as bytes, then parsed, its pictures decoded) for as long as the request runs: it
     * reserves what that takes for its declared length (the limit, for a chunked one) from the memory budget first,
     * and waits its turn when other requests hold the budget.
     */
    private void chatCompletions(ServerRequest req, ServerResponse res) {
        MemoryBudget.Reservation body;
        try {
            body = reserveBody(req, memory, maxBodyBytes);
        } catch (RuntimeException busy) {
            metrics.request("chat_completions", errors.code(busy));
            throw busy;
        }
        try (body) {
            chatCompletions(req, res, RequestLog.of(req));
        }
    }

    /** What a request's body will hold while it runs, reserved for its declared length (the limit, for a chunked one). */
    static MemoryBudget.Reservation reserveBody(ServerRequest req, MemoryBudget memory, long maxBodyBytes) {
        long declared = req.headers().contentLength().orElse(maxBodyBytes);
        return memory.reserve(HELD_PER_BYTE * Math.min(declared, maxBodyBytes), "receive this request's body",
                              NOT_CANCELLED);
    }

    private void chatCompletions(ServerRequest req, ServerResponse res, RequestLog log) {
        ChatCompletionRequest request;
        ChatCommand command;
        Optional<ClientConnections.Connection> connection = connections.current();
        try {
            byte[] body = RequestBodies.readJson(req, maxBodyBytes);
            connections.bodyReceived();
            request = parser.parse(body);
            command = command(request, req);
        } catch (InvalidRequestException e) {
            metrics.request("chat_completions", e.code());
            throw e;
        }
        log.put("stream", request.stream()).put("messages", request.wireMessages());
        String id = "chatcmpl-" + randomId();
        long created = clock.millis() / 1000;
        String requestedModel = request.model().orElse("haia");
        ReplySink sink = request.stream()
                ? new SseReply(res, id, created, requestedModel, request.includeUsage(), keepAlive, timers, errors,
                               log.correlationId(), command.hint().chatId().isPresent())
                : new JsonReply(res, reply -> OpenAiWriter.completion(id, created, reply.model(), reply.parts(),
                                                                 reply.finishReason(), reply.usage(), reply.notes()),
                                errors, log.correlationId(), connection, timers);
        answer(pipeline, command, sink, res, log, errors, metrics, "chat_completions", connection,
               UnaryOperator.identity());
    }

    /**
     * Runs a command through the pipeline into its sink (the error funnel too), logs and counts the outcome; a
     * blocking client that left before its answer gets nginx's 499 "client closed request", which the request log
     * then shows (Helidon wants a response all the same). Shared with the Responses API, whose refusals
     * {@code inItsTerms} renames to its own request fields.
     */
    static void answer(ChatPipeline pipeline, ChatCommand command, ReplySink sink, ServerResponse res, RequestLog log,
                       ErrorMapper errors, HaiaMetrics metrics, String endpoint,
                       Optional<ClientConnections.Connection> connection, UnaryOperator<RuntimeException> inItsTerms) {
        String outcome;
        try {
            try {
                ChatPipeline.Outcome result = pipeline.handle(command, sink);
                result.conversationId().ifPresent(c -> log.put("conversation", c));
                log.put("memory", result.memory().name().toLowerCase(java.util.Locale.ROOT));
                log.put("model", result.model()).put("provider", result.provider());
                result.upstreamRequestId().ifPresent(u -> log.put("upstream_request", u));
                log.put("tokens_in", result.usage().inputTokens()).put("tokens_out", result.usage().outputTokens());
                outcome = result.result();
            } catch (RuntimeException e) {
                outcome = errors.code(e);
                sink.fail(inItsTerms.apply(e));
            }
            if (!command.stream() && !res.isSent()) {
                res.status(Status.create(499, "Client Closed Request"));
                res.send();
            }
            log.put("outcome", outcome);
            metrics.request(endpoint, outcome);
        } finally {
            // whatever happened, a connection watched for its client leaving must not be read by anyone else
            connection.ifPresent(ClientConnections.Connection::finish);
        }
    }

    private ChatCommand command(ChatCompletionRequest request, ServerRequest req) {
        ChatCommand.Generation generation = new ChatCommand.Generation(request.maxTokens(), request.sampling(),
                                                                       request.tools(), request.responseFormat(),
                                                                       request.reasoning());
        return new ChatCommand(request.model(), request.system(), request.messages(), generation, request.stream(),
                               hint(req), request.attachments());
    }

    /** What the request's headers say about its conversation (the Responses API reads them the same way). */
    ChatCommand.ConversationHint hint(ServerRequest req) {
        return new ChatCommand.ConversationHint(header(req, conversationHeader), header(req, chatIdHeader),
                                                header(req, taskHeader), Caller.of(req).owner());
    }

    /**
     * A conversation header's value, compared later exactly as sent. Helidon decodes header bytes as US-ASCII, so
     * any byte outside it arrives as U+FFFD and distinct keys ({@code 日本}, {@code 中国}) would become the same
     * string: such values are refused (400) rather than merged into one conversation.
     */
    private static Optional<String> header(ServerRequest req, HeaderName name) {
        Optional<String> value = req.headers().first(name).map(String::strip).filter(v -> !v.isEmpty());
        if (value.isPresent() && value.get().length() > MAX_HEADER_VALUE) {
            throw new InvalidRequestException(400, "Header " + name.defaultCase() + " must be at most "
                    + MAX_HEADER_VALUE + " characters", Optional.of(name.defaultCase()), "invalid_header");
        }
        if (value.isPresent() && value.get().chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new InvalidRequestException(400, "Header " + name.defaultCase() + " must be printable ASCII (HTTP"
                    + " header values are bytes HAIA cannot tell apart otherwise); percent-encode other characters",
                    Optional.of(name.defaultCase()), "invalid_header");
        }
        return value;
    }

    private static String randomId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return new String(id);
    }
}
