package haia.api;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;
import haia.llm.Part;
import haia.openai.ResponseEvents;
import haia.openai.ResponsesWriter;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * Streams a Responses API reply as typed server-sent events ({@code event: <type>} and {@code data: <json>}, see
 * {@link ResponseEvents}), each flushed as soon as it is made.
 *
 * <p>As for chat streams, the response is committed lazily: with the first piece of the reply (or the first tool
 * run), or when the model has been quiet for the keep-alive interval; {@code response.created} and
 * {@code response.in_progress} open it. Until then a failure is a normal error response with its HTTP status;
 * afterwards it is {@code response.failed}. Later quiet spells get SSE comments. A write that fails means the client
 * left: the model call is cancelled at once, and the pipeline stores what there was.
 */
final class ResponseStreamReply implements ReplySink {

    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse res;
    private final ResponseEvents events;
    private final String requestedModel;
    private final Duration keepAlive;
    private final ScheduledExecutorService timers;
    private final ErrorMapper errors;
    private final String correlationId;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();

    private Cancellation cancellation = new Cancellation();
    private OutputStream out;
    private boolean finished;
    private boolean clientGone;
    private volatile long lastWrite = System.nanoTime();
    private ScheduledFuture<?> keepAliveCheck;

    ResponseStreamReply(ServerResponse res, ResponseEvents events, String requestedModel, Duration keepAlive,
                        ScheduledExecutorService timers, ErrorMapper errors, String correlationId, Clock clock) {
        this.res = res;
        this.events = events;
        this.requestedModel = requestedModel;
        this.keepAlive = keepAlive;
        this.timers = timers;
        this.errors = errors;
        this.correlationId = correlationId;
        this.clock = clock;
    }

    @Override
    public boolean streaming() {
        return true;
    }

    @Override
    public void open(Cancellation cancellation) {
        this.cancellation = cancellation;
        long period = keepAlive.toMillis();
        keepAliveCheck = timers.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastWrite >= keepAlive.toNanos()) {
                Thread.startVirtualThread(this::keepAlive);
            }
        }, period, period, TimeUnit.MILLISECONDS);
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
        lock.lock();
        try {
            if (!clientGone && !finished) {
                start(reply.model());
                write(events.complete(reply.model(), reply.parts(), reply.finishReason(), reply.usage(),
                                      clock.millis() / 1000));
            }
            finish();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fail(RuntimeException error) {
        ApiError apiError = errors.map(error, correlationId);
        lock.lock();
        try {
            if (finished) {
                return;
            }
            if (out == null) {
                finish();
                Responses.error(res, apiError);   // nothing sent yet: a normal error response
                return;
            }
            if (!clientGone) {
                write(events.fail(new ResponsesWriter.Failure(
                        apiError.status() == 429 ? "rate_limit_exceeded" : "server_error", apiError.message())));
            }
            finish();
        } finally {
            lock.unlock();
        }
    }

    private void send(String model, java.util.function.Supplier<List<ResponseEvents.Event>> made) {
        lock.lock();
        try {
            if (clientGone || finished) {
                return;
            }
            start(model);
            write(made.get());
        } finally {
            lock.unlock();
        }
    }

    /** Commits the response and opens the stream with {@code response.created} and {@code response.in_progress}. */
    private void start(String model) {
        if (out != null) {
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("X-Accel-Buffering"), "no");
        res.header(ChatCompletionsService.MODEL_HEADER, model);
        out = res.outputStream();
        write(events.start());
    }

    private void write(List<ResponseEvents.Event> batch) {
        for (ResponseEvents.Event event : batch) {
            byte[] type = event.type().getBytes(StandardCharsets.US_ASCII);
            byte[] frame = new byte[7 + type.length + 7 + event.json().length + 2];
            int at = put(frame, 0, "event: ".getBytes(StandardCharsets.US_ASCII));
            at = put(frame, at, type);
            at = put(frame, at, "\ndata: ".getBytes(StandardCharsets.US_ASCII));
            at = put(frame, at, event.json());
            frame[at] = '\n';
            frame[at + 1] = '\n';
            writeRaw(frame);
        }
    }

    private static int put(byte[] into, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, at, bytes.length);
        return at + bytes.length;
    }

    private void writeRaw(byte[] bytes) {
        if (clientGone) {
            return;
        }
        try {
            out.write(bytes);
            out.flush();
            lastWrite = System.nanoTime();
        } catch (Exception e) {
            // the client closed the connection: stop the model, keep what was generated
            clientGone = true;
            cancellation.cancel(Cancellation.Reason.CLIENT_GONE);
        }
    }

    private void finish() {
        finished = true;
        if (keepAliveCheck != null) {
            keepAliveCheck.cancel(false);
        }
        if (out != null && !clientGone) {
            try {
                out.close();
            } catch (Exception ignored) {
                // the client may already be gone
            }
        }
    }

    private void keepAlive() {
        lock.lock();
        try {
            if (!finished && !clientGone && System.nanoTime() - lastWrite >= keepAlive.toNanos()) {
                if (out == null) {
                    start(requestedModel);
                } else {
                    writeRaw(KEEP_ALIVE);
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
