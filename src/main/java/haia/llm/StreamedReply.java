package haia.llm;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * A reply as a provider's stream reader builds it: each text piece is reported as a {@link LlmEvent.TextDelta} the
 * moment it is added and kept for the final {@link LlmEvent.Completed}; the reader ends it with {@link #complete} or
 * {@link #fail}. Both return {@code true}, what {@link UpstreamCall.StreamReader} returns once a terminal event is out.
 *
 * <p>The text is bounded by {@code HAIA_MAX_REPLY_CHARS}: the piece that crosses the limit is cut there, and
 * {@link #add} then throws, which ends the reader's loop; {@link UpstreamCall} closes the upstream and reports it.
 */
public final class StreamedReply {

    private final StringBuilder text = new StringBuilder();
    private final Consumer<LlmEvent> events;
    private final int maxChars;

    StreamedReply(Consumer<LlmEvent> events, int maxChars) {
        this.events = events;
        this.maxChars = maxChars;
    }

    /** A reply reporting to {@code events}, its text bounded by {@code maxChars} (decoder tests build their own). */
    public static StreamedReply to(Consumer<LlmEvent> events, int maxChars) {
        return new StreamedReply(events, maxChars);
    }

    /** Adds a piece of text and reports it at once; empty pieces (keep-alives, role-only chunks) are skipped. */
    public void add(String piece) {
        if (piece.isEmpty()) {
            return;
        }
        String kept = UpstreamCall.cut(piece, maxChars - text.length());
        if (!kept.isEmpty()) {
            text.append(kept);
            events.accept(new LlmEvent.TextDelta(kept));
        }
        if (kept.length() < piece.length()) {
            throw new ReplyLimitReached();
        }
    }

    /** Reports the finished reply with the text added so far. */
    public boolean complete(FinishReason finish, Usage usage, String model, Optional<String> requestId) {
        events.accept(new LlmEvent.Completed(new LlmResponse(text.toString(), finish, usage, model, requestId)));
        return true;
    }

    /** Reports a failure the stream itself announced. */
    public boolean fail(LlmException error) {
        events.accept(new LlmEvent.Failed(error));
        return true;
    }

    /** The reply reached {@code HAIA_MAX_REPLY_CHARS}; unchecked, so it leaves any reader loop at once. */
    static final class ReplyLimitReached extends RuntimeException {
        ReplyLimitReached() {
            super(null, null, false, false);
        }
    }
}
