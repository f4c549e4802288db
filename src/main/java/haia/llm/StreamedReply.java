package haia.llm;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * A reply as a provider's stream decoder builds it: each piece (text, thinking, a tool call's start and its
 * arguments) is reported as an {@link LlmEvent.Delta} the moment it is added and kept for the final
 * {@link LlmEvent.Completed}; the decoder ends it with {@link #complete} or {@link #fail}. Both return {@code true},
 * what a decoder returns once the reply has ended.
 *
 * <p>What is streamed (text, thinking and tool arguments together) is bounded by {@code HAIA_MAX_REPLY_CHARS}: the
 * piece that crosses the limit is cut there, and the adding method then throws, which ends the decoder's loop;
 * {@link UpstreamCall} closes the upstream and reports it.
 */
public final class StreamedReply implements ReplyPieces {

    private final ReplyParts parts;
    private final Consumer<LlmEvent> events;
    private final int maxChars;
    private int chars;

    StreamedReply(String provider, Consumer<LlmEvent> events, int maxChars) {
        this.parts = new ReplyParts(provider);
        this.events = events;
        this.maxChars = maxChars;
    }

    /** A reply of a provider of type {@code provider} reporting to {@code events} (decoder tests build their own). */
    public static StreamedReply to(String provider, Consumer<LlmEvent> events, int maxChars) {
        return new StreamedReply(provider, events, maxChars);
    }

    /** Adds a piece of text and reports it at once; empty pieces (keep-alives, role-only chunks) are skipped. */
    @Override
    public void text(String piece) {
        String kept = within(piece);
        if (!kept.isEmpty()) {
            parts.text(kept);
            events.accept(new LlmEvent.TextDelta(kept));
        }
        limitReachedIf(kept, piece);
    }

    /** Adds a piece of the model's reasoning. */
    @Override
    public void thinking(String piece) {
        String kept = within(piece);
        if (!kept.isEmpty()) {
            parts.thinking(kept);
            events.accept(new LlmEvent.ThinkingDelta(kept));
        }
        limitReachedIf(kept, piece);
    }

    /** The reasoning's signature: kept for the provider, never shown. */
    @Override
    public void signature(String signature) {
        parts.signature(signature);
    }

    @Override
    public void redactedThinking(String data) {
        parts.redactedThinking(data);
    }

    /** A tool call starts; reported with its id and name. @return its index for {@link #toolArguments} */
    @Override
    public int toolCall(String id, String name) {
        int index = parts.toolCall(id, name);
        events.accept(new LlmEvent.ToolCallDelta(index, Optional.of(id), Optional.of(name), ""));
        return index;
    }

    /** A piece of a tool call's arguments. */
    @Override
    public void toolArguments(int index, String piece) {
        String kept = within(piece);
        if (!kept.isEmpty()) {
            parts.toolArguments(index, kept);
            events.accept(new LlmEvent.ToolCallDelta(index, Optional.empty(), Optional.empty(), kept));
        }
        limitReachedIf(kept, piece);
    }

    /** Reports the finished reply with everything added so far. */
    public boolean complete(FinishReason finish, Usage usage, String model, Optional<String> requestId) {
        events.accept(new LlmEvent.Completed(parts.response(finish, usage, model, requestId)));
        return true;
    }

    /** Reports a failure the stream itself announced. */
    public boolean fail(LlmException error) {
        events.accept(new LlmEvent.Failed(error));
        return true;
    }

    private String within(String piece) {
        String kept = UpstreamCall.cut(piece, maxChars - chars);
        chars += kept.length();
        return kept;
    }

    private static void limitReachedIf(String kept, String piece) {
        if (kept.length() < piece.length()) {
            throw new ReplyLimitReached();
        }
    }

    /** The reply reached {@code HAIA_MAX_REPLY_CHARS}; unchecked, so it leaves any reader loop at once. */
    static final class ReplyLimitReached extends RuntimeException {
        ReplyLimitReached() {
            super(null, null, false, false);
        }
    }
}
