package haia.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * A message as stored.
 *
 * @param id           position in the conversation (monotonic)
 * @param role         who said it
 * @param content      exactly the text received or generated (its text parts joined)
 * @param parts        all of it, when it is more than text (images as {@link Part.Image.Stored} references); empty
 *                     for plain text
 * @param status       where it stands (live or history)
 * @param model        the model id that answered (assistant messages)
 * @param finishReason why generation ended (assistant messages)
 * @param inputTokens  prompt tokens billed for this reply
 * @param outputTokens tokens generated for this reply
 * @param error        why the exchange failed, for failed and incomplete messages
 * @param createdAt    when it was stored
 */
public record StoredMessage(long id,
                            LlmMessage.Role role,
                            String content,
                            List<Part> parts,
                            MessageStatus status,
                            Optional<String> model,
                            Optional<String> finishReason,
                            OptionalInt inputTokens,
                            OptionalInt outputTokens,
                            Optional<String> error,
                            Instant createdAt) {
}
