package haia.llm;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * A reply as a provider's stream reader builds it: each text piece is reported as a {@link LlmEvent.TextDelta} the
 * moment it is added and kept for the final {@link LlmEvent.Completed}; the reader ends it with {@link #complete} or
 * {@link #fail}. Both return {@code true}, what {@link UpstreamCall.StreamReader} returns once a terminal event is out.
 */
public final class StreamedReply {

    private final StringBuilder text = new StringBuilder();
    private final Consumer<LlmEvent> events;

    StreamedReply(Consumer<LlmEvent> events) {
        this.events = events;
    }

    /** Adds a piece of text and reports it at once; empty pieces (keep-alives, role-only chunks) are skipped. */
    public void add(String piece) {
        if (!piece.isEmpty()) {
            text.append(piece);
            events.accept(new LlmEvent.TextDelta(piece));
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
}
