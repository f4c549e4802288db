package haia.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.Usage;

/**
 * A message to store as part of an {@link Exchange}.
 *
 * @param role         who said it
 * @param parts        exactly what was said: text, images (their bytes go to the images table), tool calls and
 *                     results, the model's reasoning
 * @param status       where it stands
 * @param model        the model id that produced it (assistant messages)
 * @param finishReason why generation ended (assistant messages)
 * @param usage        tokens billed for it (assistant messages)
 * @param error        why it failed (failed and incomplete messages)
 */
public record NewMessage(LlmMessage.Role role,
                         List<Part> parts,
                         MessageStatus status,
                         Optional<String> model,
                         Optional<String> finishReason,
                         Optional<Usage> usage,
                         Optional<String> error) {

    public NewMessage {
        Objects.requireNonNull(role, "role");
        parts = List.copyOf(parts);
        Objects.requireNonNull(status, "status");
    }

    /** A text-only message. */
    public static NewMessage text(LlmMessage.Role role, String text, MessageStatus status, Optional<String> model,
                                  Optional<String> finishReason, Optional<Usage> usage, Optional<String> error) {
        return new NewMessage(role, List.of(new Part.Text(text)), status, model, finishReason, usage, error);
    }

    public static NewMessage user(LlmMessage message, MessageStatus status, Optional<String> error) {
        return new NewMessage(message.role(), message.parts(), status, Optional.empty(), Optional.empty(),
                              Optional.empty(), error);
    }

    public static NewMessage imported(LlmMessage message) {
        return new NewMessage(message.role(), message.parts(), MessageStatus.IMPORTED, Optional.empty(),
                              Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Whether it is one piece of text: stored in the {@code content} column alone (no {@code parts}), and read back
     * as exactly that.
     */
    public boolean plainText() {
        return parts.size() == 1 && parts.getFirst() instanceof Part.Text;
    }

    /** Its text parts joined: the {@code content} column. */
    public String content() {
        return Part.text(parts);
    }

    public LlmMessage message() {
        return new LlmMessage(role, parts);
    }
}
