package haia.llm;

import java.util.Objects;

/**
 * One turn of a conversation as every provider sees it: who said it and what was said.
 * System prompts are not messages; they travel in {@link LlmRequest#system()}.
 */
public record LlmMessage(Role role, String text) {

    public enum Role { USER, ASSISTANT }

    public LlmMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(text, "text");
    }

    public static LlmMessage user(String text) {
        return new LlmMessage(Role.USER, text);
    }

    public static LlmMessage assistant(String text) {
        return new LlmMessage(Role.ASSISTANT, text);
    }
}
