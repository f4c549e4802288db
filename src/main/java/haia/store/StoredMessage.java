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
 * @param inputTokens  prompt tokens billed for this reply, cache reads and writes included
 * @param outputTokens tokens generated for this reply
 * @param cacheReadTokens  of the prompt tokens, those read from the provider's cache (replies in the usage ledger)
 * @param cacheWriteTokens of the prompt tokens, those written to the provider's cache
 * @param reasoningTokens  of the output tokens, those the model spent reasoning (where its provider counts them)
 * @param cost         what the reply's model call cost, at the price in force then (when the price was known)
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
                            OptionalInt cacheReadTokens,
                            OptionalInt cacheWriteTokens,
                            OptionalInt reasoningTokens,
                            Optional<haia.usage.Cost> cost,
                            Optional<String> error,
                            Instant createdAt) {
}
