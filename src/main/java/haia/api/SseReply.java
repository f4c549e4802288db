package haia.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;

import haia.chat.Reply;
import haia.chat.ReplySink;
import haia.llm.Cancellation;
import haia.llm.LlmEvent;
import haia.llm.Part;
import haia.openai.OpenAiWriter;
import haia.openai.ToolActivity;
import haia.tools.ToolNames;

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

    private final ServerResponse res;
    private final SseStream stream;
    private final String id;
    private final long created;
    private final String requestedModel;
    private final boolean includeUsage;
    private final ErrorMapper errors;
    private final String correlationId;
    /** Whether the client is OpenWebUI, which shows status events (chunks without choices; others expect choices). */
    private final boolean statusEvents;
    private final ReentrantLock lock;

    private OpenAiWriter.ContentChunks chunks;   // set with the first chunk, when the answering model is known
    private boolean roleSent;

    SseReply(ServerResponse res, String id, long created, String requestedModel, boolean includeUsage,
             Duration keepAlive, ScheduledExecutorService timers, ErrorMapper errors, String correlationId,
             boolean statusEvents) {
        this.statusEvents = statusEvents;
        this.res = res;
        this.id = id;
        this.created = created;
        this.requestedModel = requestedModel;
        this.includeUsage = includeUsage;
        this.stream = new SseStream(res, keepAlive, timers);
        this.lock = stream.lock;
        this.errors = errors;
        this.correlationId = correlationId;
    }

    @Override
    public boolean streaming() {
        return true;
    }

    /** A quiet spell commits the stream if need be and sends an SSE comment, which keeps proxies and OpenWebUI waiting. */
    @Override
    public void open(Cancellation cancellation) {
        stream.open(cancellation, () -> {
            stream.commit(requestedModel);
            stream.write(SseStream.KEEP_ALIVE);
        });
    }

    /** A text piece takes the fast path (framing encoded once per stream); reasoning and tool calls their own chunk. */
    @Override
    public void delta(String model, LlmEvent.Delta delta) {
        lock.lock();
        try {
            if (stream.closed()) {
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
            if (stream.closed()) {
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
            if (stream.closed()) {
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
            if (stream.closed()) {
                stream.finish();
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
            stream.finish();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fail(RuntimeException error) {
        ApiError apiError = errors.map(error, correlationId);
        lock.lock();
        try {
            if (stream.finished()) {
                return;
            }
            if (!stream.committed()) {
                stream.finish();
                Responses.error(res, apiError);      // nothing sent yet: a normal error response
                return;
            }
            if (!stream.clientGone()) {
                // OpenWebUI shows a chunk without choices but with an error object as the reply's error
                writeRaw(("data: " + new String(apiError.body(), StandardCharsets.UTF_8) + "\n\n")
                                 .getBytes(StandardCharsets.UTF_8));
                writeRaw(DONE);
            }
            stream.finish();
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

    private void startChunks(String model) {
        stream.commit(model);
        if (!roleSent) {
            roleSent = true;
            chunks = new OpenAiWriter.ContentChunks(id, created, model, includeUsage);
            write(OpenAiWriter.chunk(id, created, model, Optional.of("assistant"), Optional.of(""), Optional.empty(),
                                     includeUsage));
        }
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
        stream.write(bytes);
    }
}
