package haia.api;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import haia.llm.Cancellation;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * The server-sent-events response under a streaming reply (chat chunks or Responses API events): committed lazily,
 * each write flushed at once, kept alive through quiet spells, and watched for its client leaving. A write that fails
 * means the client left: the request's cancellation fires at once, which stops the model. The reply holds
 * {@link #lock} around everything it does with the stream.
 */
final class SseStream {

    static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    final ReentrantLock lock = new ReentrantLock();
    private final ServerResponse res;
    private final Duration keepAlive;
    private final ScheduledExecutorService timers;
    private Cancellation cancellation = new Cancellation();
    private OutputStream out;            // set once the response is committed
    private boolean finished;
    private boolean clientGone;
    private volatile long lastWrite = System.nanoTime();
    private ScheduledFuture<?> keepAliveCheck;

    SseStream(ServerResponse res, Duration keepAlive, ScheduledExecutorService timers) {
        this.res = res;
        this.keepAlive = keepAlive;
        this.timers = timers;
    }

    /**
     * Watches for quiet periods on the shared timer (a cheap check of the last write time; thousands of streams
     * share one timer thread) and runs {@code quiet} under the lock on a virtual thread only when one is due, since
     * a write to a slow client may block.
     */
    void open(Cancellation cancellation, Runnable quiet) {
        this.cancellation = cancellation;
        long period = keepAlive.toMillis();
        keepAliveCheck = timers.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastWrite >= keepAlive.toNanos()) {
                Thread.startVirtualThread(() -> {
                    lock.lock();
                    try {
                        if (!finished && !clientGone && System.nanoTime() - lastWrite >= keepAlive.toNanos()) {
                            quiet.run();
                        }
                    } finally {
                        lock.unlock();
                    }
                });
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /** Whether the response has been committed (a failure is then written into the stream). */
    boolean committed() {
        return out != null;
    }

    /** Whether the client left, or the reply has ended: nothing more is written. */
    boolean closed() {
        return clientGone || finished;
    }

    boolean finished() {
        return finished;
    }

    boolean clientGone() {
        return clientGone;
    }

    /** Commits the response as an event stream; {@code model} is the HAIA model answering (X-Haia-Model). */
    void commit(String model) {
        if (out != null) {
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("X-Accel-Buffering"), "no");
        res.header(ChatCompletionsService.MODEL_HEADER, model);
        out = res.outputStream();
    }

    /** Writes and flushes bytes that are whole events. */
    void write(byte[] bytes) {
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

    /** Stops the keep-alive checks and ends the response body. */
    void finish() {
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
}
