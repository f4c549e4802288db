package haia.llm;

import java.util.Locale;
import java.util.Optional;

/** How hard a reasoning model should think before it answers (OpenAI's {@code reasoning_effort}). */
public enum ReasoningEffort {
    /** No reasoning. */
    NONE,
    MINIMAL,
    LOW,
    MEDIUM,
    HIGH,
    XHIGH;

    /** OpenAI's name for it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ReasoningEffort> of(String wireName) {
        for (ReasoningEffort effort : values()) {
            if (effort.wireName().equals(wireName)) {
                return Optional.of(effort);
            }
        }
        return Optional.empty();
    }

    /** Whether the model is asked to think at all. */
    public boolean thinks() {
        return this != NONE;
    }
}
