package haia.chat;

import java.util.List;
import java.util.Objects;

import haia.llm.FinishReason;
import haia.llm.Part;
import haia.llm.Usage;

/**
 * A finished reply, as the client will see it.
 *
 * @param model        id of the model that answered (may be a fallback of the one requested)
 * @param parts        the whole reply: thinking, text, tool calls
 * @param finishReason why generation ended
 * @param usage        tokens billed
 * @param notes        what HAIA changed about the request to answer it (an attached document cut to the budget), for
 *                     the reply's metadata
 */
public record Reply(String model, List<Part> parts, FinishReason finishReason, Usage usage, List<String> notes) {

    public Reply(String model, List<Part> parts, FinishReason finishReason, Usage usage) {
        this(model, parts, finishReason, usage, List.of());
    }

    public Reply {
        Objects.requireNonNull(model, "model");
        parts = List.copyOf(parts);
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        notes = List.copyOf(notes);
    }

    /** A reply that is text only (HAIA's own, such as the answer to {@code /new}). */
    public static Reply text(String model, String text, FinishReason finishReason, Usage usage) {
        return new Reply(model, List.of(new Part.Text(text)), finishReason, usage);
    }

    /** Its text, joined without a separator. */
    public String text() {
        return Part.text(parts);
    }
}
