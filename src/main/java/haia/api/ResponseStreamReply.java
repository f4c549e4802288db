package haia.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;
import haia.llm.Part;
import haia.openai.ResponseEvents;
import haia.openai.ResponsesWriter;

import io.helidon.webserver.http.ServerResponse;

/**
 * Streams a Responses API reply as typed server-sent events ({@code event: <type>} and {@code data: <json>}, see
 * {@link ResponseEvents}), each flushed as soon as it is made.
 *
 * <p>As for chat streams ({@link SseStream}), the response is committed lazily: with the first piece of the reply
 * (or the first tool run), or when the model has been quiet for the keep-alive interval; {@code response.created}
 * and {@code response.in_progress} open it. Until then a failure is a normal error response with its HTTP status;
 * afterwards it is {@code response.failed}. Later quiet spells get SSE comments. A client that leaves stops the
 * model, and the pipeline stores what there was.
 */
final class ResponseStreamReply implements ReplySink {

    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse res;
    private final SseStream stream;
    private final ResponseEvents events;
    private final String requestedModel;
    private final ErrorMapper errors;
    private final String correlationId;
    private final Clock clock;

    ResponseStreamReply(ServerResponse res, ResponseEvents events, String requestedModel, Duration keepAlive,
                        ScheduledExecutorService timers, ErrorMapper errors, String correlationId, Clock clock) {
        this.res = res;
        this.stream = new SseStream(res, keepAlive, timers);
        this.events = events;
        this.requestedModel = requestedModel;
        this.errors = errors;
        this.correlationId = correlationId;
        this.clock = clock;
    }

    @Override
    public boolean streaming() {
        return true;
    }

    /** A quiet spell opens the stream (its first events) if it is not open yet, else gets an SSE comment. */
    @Override
    public void open(Cancellation cancellation) {
        stream.open(cancellation, () -> {
            if (stream.committed()) {
                stream.write(SseStream.KEEP_ALIVE);
            } else {
                start(requestedModel);
            }
        });
    }

    @Override
    public void delta(String model, LlmEvent.Delta delta) {
        send(model, () -> events.delta(delta));
    }

    @Override
    public void toolsRunning(String model, List<Part.ToolCall> calls) {
        send(model, () -> events.toolsRunning(calls));
    }

    @Override
    public void toolsDone(String model, List<Part.ToolCall> calls, List<Part.ToolResult> results) {
        send(model, () -> events.toolsDone(calls, results));
    }

    @Override
    public void complete(Reply reply) {
        stream.lock.lock();
        try {
            if (!stream.closed()) {
                start(reply.model());
                write(events.complete(reply.model(), reply.parts(), reply.finishReason(), reply.usage(),
                                      clock.millis() / 1000));
            }
            stream.finish();
        } finally {
            stream.lock.unlock();
        }
    }

    @Override
    public void fail(RuntimeException error) {
        ApiError apiError = errors.map(error, correlationId);
        stream.lock.lock();
        try {
            if (stream.finished()) {
                return;
            }
            if (!stream.committed()) {
                stream.finish();
                Responses.error(res, apiError);   // nothing sent yet: a normal error response
                return;
            }
            if (!stream.clientGone()) {
                write(events.fail(new ResponsesWriter.Failure(
                        apiError.status() == 429 ? "rate_limit_exceeded" : "server_error", apiError.message())));
            }
            stream.finish();
        } finally {
            stream.lock.unlock();
        }
    }

    private void send(String model, Supplier<List<ResponseEvents.Event>> made) {
        stream.lock.lock();
        try {
            if (!stream.closed()) {
                start(model);
                write(made.get());
            }
        } finally {
            stream.lock.unlock();
        }
    }

    /** Commits the response and opens the stream with {@code response.created} and {@code response.in_progress}. */
    private void start(String model) {
        if (!stream.committed()) {
            stream.commit(model);
            write(events.start());
        }
    }

    private void write(List<ResponseEvents.Event> batch) {
        for (ResponseEvents.Event event : batch) {
            byte[] type = event.type().getBytes(StandardCharsets.US_ASCII);
            byte[] frame = new byte[EVENT.length + type.length + DATA.length + event.json().length + 2];
            int at = put(frame, 0, EVENT);
            at = put(frame, at, type);
            at = put(frame, at, DATA);
            at = put(frame, at, event.json());
            frame[at] = '\n';
            frame[at + 1] = '\n';
            stream.write(frame);
        }
    }

    private static int put(byte[] into, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, at, bytes.length);
        return at + bytes.length;
    }
}
