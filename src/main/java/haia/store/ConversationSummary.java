package haia.store;

import java.time.Instant;
import java.util.Optional;

/**
 * A conversation as listed by the management API.
 *
 * @param id            HAIA's id for it
 * @param kind          how clients address it
 * @param key           the client's key (OpenWebUI chat id, X-Haia-Conversation value)
 * @param title         the start of its first user message
 * @param archived      whether it was replaced by a fresh thread
 * @param createdAt     first stored exchange
 * @param updatedAt     last stored exchange
 * @param messageCount  all stored messages, history included
 * @param liveCount     messages on the live branch (what the window draws from)
 * @param owner         whose it is ({@link Owners#SINGLE_USER}, or a verified OpenWebUI user's id)
 */
public record ConversationSummary(long id,
                                  ConversationKind kind,
                                  Optional<String> key,
                                  Optional<String> title,
                                  boolean archived,
                                  Instant createdAt,
                                  Instant updatedAt,
                                  int messageCount,
                                  int liveCount,
                                  String owner) {
}
