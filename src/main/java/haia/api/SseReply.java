package haia.api;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;
import haia.llm.Part;
import haia.openai.OpenAiWriter;
import haia.openai.ToolActivity;
import haia.tools.ToolNames;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * Streams the reply as OpenAI {@code chat.completion.chunk} server-sent events, each flushed as soon as the model
 * produced it.
 *
 * <p>The response is committed lazily: at the first piece of text, or when the model has been quiet for the
 * keep-alive interval (then an SSE comment keeps proxies and OpenWebUI from timing out). Until then a failure is
 * still answered as a normal OpenAI error with its HTTP status; afterwards it becomes a final chunk carrying an
 * {@code error} object, then {@code [DONE]}. A write that fails means the client left: the model call is
 * cancelled at once.
 */
final class SseReply implements ReplySink {

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse res;
    private final String id;
    private final long created;
    private final String requestedModel;
    private final boolean includeUsage;
    private final Duration keepAlive;
    private final ErrorMapper errors;
    private final String correlationId;
    /** Whether the client is OpenWebUI, which shows status events (chunks without choices; others expect choices). */
    private final boolean statusEvents;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService timers;

    private Cancellation cancellation = new Cancellation();
    private OutputStream out;            // set once the response is committed
    private OpenAiWriter.ContentChunks chunks;   // set with the first chunk, when the answering model is known
    private boolean roleSent;
    private boolean finished;
    private boolean clientGone;
    private volatile long lastWrite = System.nanoTime();
    private ScheduledFuture<?> keepAliveCheck;

    SseReply(ServerResponse res, String id, long created, String requestedModel, boolean includeUsage,
             Duration keepAlive, ScheduledExecutorService timers, ErrorMapper errors, String correlationId,
             boolean statusEvents) {
        this.statusEvents = statusEvents;
        this.res = res;
        this.id = id;
        this.created = created;
        this.requestedModel = requestedModel;
        this.includeUsage = includeUsage;
        this.keepAlive = keepAlive;
        this.timers = timers;
        this.errors = errors;
        this.correlationId = correlationId;
    }

    @Override
    public boolean streaming() {
        return true;
    }

    /**
     * Watches for quiet periods on the shared timer (a cheap check of the last write time; thousands of streams
     * share one timer thread) and writes a keep-alive comment on a virtual thread only when one is due, since a
     * write to a slow client may block.
     */
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

    /** A text piece takes the fast path (framing encoded once per stream); reasoning and tool calls their own chunk. */
    @Override
    public void delta(String model, LlmEvent.Delta delta) {
        lock.lock();
        try {
            if (clientGone || finished) {
                return;
            }
            startChunks(model);
            switch (delta) {
                case LlmEvent.TextDelta text -> writeRaw(chunks.event(text.text()));
                case LlmEvent.ThinkingDelta thinking -> write(OpenAiWriter.reasoningChunk(
                        id, created, model, thinking.text(), includeUsage));
                case LlmEvent.ToolCallDelta call -> write(OpenAiWriter.toolCallChunk(
                        id, created, model, call.index(), call.id(), call.name(), call.arguments(), includeUsage));
            }
        } finally {
            lock.unlock();
        }
    }

    /** OpenWebUI shows what is being checked as a status line above the reply; the calls are never streamed. */
    @Override
    public void toolsRunning(String model, List<Part.ToolCall> calls) {
        if (!statusEvents) {
            return;
        }
        lock.lock();
        try {
            if (clientGone || finished) {
                return;
            }
            startChunks(model);
            StringBuilder what = new StringBuilder("Checking: ");
            for (int i = 0; i < calls.size(); i++) {
                String arguments = calls.get(i).arguments().strip();
                what.append(i == 0 ? "" : ", ").append(calls.get(i).name())
                        .append(arguments.isEmpty() || arguments.equals("{}") ? ""
                                : " " + (arguments.length() > 80 ? arguments.substring(0, 80) + "…" : arguments));
            }
            write(OpenAiWriter.statusEvent(what.toString(), false));
        } finally {
            lock.unlock();
        }
    }

    /** Each finished call as OpenWebUI's tool-call block in the text: its name, arguments and a short result. */
    @Override
    public void toolsDone(String model, List<Part.ToolCall> calls, List<Part.ToolResult> results) {
        lock.lock();
        try {
            if (clientGone || finished) {
                return;
            }
            startChunks(model);
            writeRaw(chunks.event(ToolActivity.blocks(calls, results)));
            if (statusEvents) {
                write(OpenAiWriter.statusEvent("Checked " + calls.size() + (calls.size() == 1 ? " thing" : " things"),
                                               true));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void complete(Reply reply) {
        lock.lock();
        try {
            if (clientGone || finished) {
                finish();
                return;
            }
            boolean streamedAny = roleSent;
            startChunks(reply.model());
            if (!streamedAny) {
                // a reply that did not come from a streaming model call (e.g. a chat command) arrives in one piece
                whole(reply);
            }
            write(OpenAiWriter.finishChunk(id, created, reply.model(), reply.finishReason(), includeUsage,
                                           reply.notes()));
            if (includeUsage) {
                write(OpenAiWriter.usageChunk(id, created, reply.model(), reply.usage()));
            }
            writeRaw(DONE);
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
                Responses.error(res, apiError);      // nothing sent yet: a normal error response
                return;
            }
            if (!clientGone) {
                // OpenWebUI shows a chunk without choices but with an error object as the reply's error
                writeRaw(("data: " + new String(apiError.body(), StandardCharsets.UTF_8) + "\n\n")
                                 .getBytes(StandardCharsets.UTF_8));
                writeRaw(DONE);
            }
            finish();
        } finally {
            lock.unlock();
        }
    }

    /** A reply that was not streamed, as the deltas a stream of it would have had. */
    private void whole(Reply reply) {
        for (Part part : reply.parts()) {
            if (part instanceof Part.Thinking thinking && !thinking.text().isEmpty()) {
                write(OpenAiWriter.reasoningChunk(id, created, reply.model(), thinking.text(), includeUsage));
            }
        }
        String text = ToolActivity.text(reply.parts());   // HAIA's own tool calls as blocks in the text
        if (!text.isEmpty()) {
            writeRaw(chunks.event(text));
        }
        int index = 0;
        for (Part part : reply.parts()) {
            if (part instanceof Part.ToolCall call && !ToolNames.isReserved(call.name())) {
                write(OpenAiWriter.toolCallChunk(id, created, reply.model(), index++, Optional.of(call.id()),
                                                 Optional.of(call.name()), call.arguments(), includeUsage));
            }
        }
    }

    /** Whether the client disconnected while the reply was being streamed. */
    boolean clientGone() {
        lock.lock();
        try {
            return clientGone;
        } finally {
            lock.unlock();
        }
    }

    private void startChunks(String model) {
        commit(model);
        if (!roleSent) {
            roleSent = true;
            chunks = new OpenAiWriter.ContentChunks(id, created, model, includeUsage);
            write(OpenAiWriter.chunk(id, created, model, Optional.of("assistant"), Optional.of(""), Optional.empty(),
                                     includeUsage));
        }
    }

    private void commit(String model) {
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

    private void write(byte[] json) {
        byte[] event = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
        System.arraycopy(json, 0, event, 6, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        writeRaw(event);
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

    /** Stops the keep-alive checks and ends the response body. */
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
                commit(requestedModel);
                writeRaw(KEEP_ALIVE);
            }
        } finally {
            lock.unlock();
        }
    }
}
