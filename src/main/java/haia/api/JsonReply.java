package haia.api;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;

/**
 * Answers with one JSON body once the whole reply is there: a {@code chat.completion}, or a Responses API
 * {@code response} (whatever {@code body} makes of the reply).
 *
 * <p>Nothing is written before the end, so a client that leaves is noticed only by watching its connection. A
 * request that is still running {@link #WATCH_AFTER} after it started (queued behind another one in its
 * conversation, or waiting for a slow model) starts watching: when its client goes, the request is cancelled, so it
 * does not call the model, or stops the call, and its reply does not enter the window.
 */
final class JsonReply implements ReplySink {

    /**
     * When to start watching the client. A watched connection is closed after its response instead of being kept
     * alive, which costs a fast request its keep-alive; a request running this long has no keep-alive to lose.
     */
    static final Duration WATCH_AFTER = Duration.ofSeconds(1);

    private final ServerResponse res;
    private final Function<Reply, byte[]> body;
    private final ErrorMapper errors;
    private final String correlationId;
    private final Optional<ClientConnections.Connection> connection;
    private final ScheduledExecutorService timers;
    private ScheduledFuture<?> watch;

    JsonReply(ServerResponse res, Function<Reply, byte[]> body, ErrorMapper errors, String correlationId,
              Optional<ClientConnections.Connection> connection, ScheduledExecutorService timers) {
        this.res = res;
        this.body = body;
        this.errors = errors;
        this.correlationId = correlationId;
        this.connection = connection;
        this.timers = timers;
    }

    @Override
    public boolean streaming() {
        return false;
    }

    @Override
    public void open(Cancellation cancellation) {
        connection.ifPresent(c -> watch = timers.schedule(
                () -> c.watch(() -> cancellation.cancel(Cancellation.Reason.CLIENT_GONE)),
                WATCH_AFTER.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void delta(String model, LlmEvent.Delta delta) {
        throw new IllegalStateException("a JSON reply is not streamed");
    }

    @Override
    public void complete(Reply reply) {
        stopWatchTimer();
        res.header(ChatCompletionsService.MODEL_HEADER, reply.model());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Responses.json(res, 200, body.apply(reply));
    }

    @Override
    public void fail(RuntimeException error) {
        stopWatchTimer();
        Responses.error(res, errors.map(error, correlationId));
    }

    /** No new watch from here on; a connection being watched is closed after this response, and says so. */
    private void stopWatchTimer() {
        if (watch != null) {
            watch.cancel(false);
        }
        if (connection.filter(ClientConnections.Connection::watched).isPresent()) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
    }
}
