package haia.chat;

import java.util.Objects;

import haia.llm.FinishReason;
import haia.llm.Usage;

/**
 * A finished reply, as the client will see it.
 *
 * @param model        id of the model that answered (may be a fallback of the one requested)
 * @param text         the whole reply
 * @param finishReason why generation ended
 * @param usage        tokens billed
 */
public record Reply(String model, String text, FinishReason finishReason, Usage usage) {

    public Reply {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
    }
}
