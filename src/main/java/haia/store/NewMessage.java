package haia.store;

import java.util.Objects;
import java.util.Optional;

import haia.llm.LlmMessage;
import haia.llm.Usage;

/**
 * A message to store as part of an {@link Exchange}.
 *
 * @param role         who said it
 * @param content      the exact text
 * @param status       where it stands
 * @param model        the model id that produced it (assistant messages)
 * @param finishReason why generation ended (assistant messages)
 * @param usage        tokens billed for it (assistant messages)
 * @param error        why it failed (failed and incomplete messages)
 */
public record NewMessage(LlmMessage.Role role,
                         String content,
                         MessageStatus status,
                         Optional<String> model,
                         Optional<String> finishReason,
                         Optional<Usage> usage,
                         Optional<String> error) {

    public NewMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(status, "status");
    }

    public static NewMessage user(String content, MessageStatus status, Optional<String> error) {
        return new NewMessage(LlmMessage.Role.USER, content, status, Optional.empty(), Optional.empty(),
                              Optional.empty(), error);
    }

    public static NewMessage imported(LlmMessage message) {
        return new NewMessage(message.role(), message.text(), MessageStatus.IMPORTED, Optional.empty(),
                              Optional.empty(), Optional.empty(), Optional.empty());
    }
}
