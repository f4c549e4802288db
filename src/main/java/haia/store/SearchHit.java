package haia.store;

import java.time.Instant;

import haia.llm.LlmMessage;

/**
 * A stored message that matched a search.
 *
 * @param conversationId its conversation
 * @param title          the conversation's title (its first user message, shortened), empty when it has none
 * @param messageId      the message
 * @param role           who said it
 * @param createdAt      when it was stored
 * @param snippet        the text around the match, matched words between {@code **}
 * @param score          how well it matched, higher is better (comparable within one search only)
 */
public record SearchHit(long conversationId, String title, long messageId, LlmMessage.Role role, Instant createdAt,
                        String snippet, double score) {
}
