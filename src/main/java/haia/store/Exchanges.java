package haia.store;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * The write of the request path, after the model call: one exchange (the user's turn, the reply, what they
 * supersede, the billed calls, the Responses API response it is) in one short transaction.
 */
public final class Exchanges extends StorePart {

    private static final int TITLE_LENGTH = 80;

    private final ConversationLeases leases;
    private final Writer writer;
    private final WindowCache windows;
    private final SearchIndex searchIndex;

    Exchanges(Database database, ConversationLeases leases, SearchIndex searchIndex) {
        super(database);
        this.leases = leases;
        this.writer = database.writer;
        this.windows = database.windows;
        this.searchIndex = searchIndex;
    }

    /**
     * Writes one exchange in one transaction: creates the conversation when new, moves superseded messages off the
     * live branch, appends the messages.
     *
     * @return the conversation's id
     */
    public long commit(Exchange exchange) {
        // retried while a PostgreSQL server is away for a moment, the conversation's claim renewed each time: the
        // client has its answer, so the exchange must not be lost to a restart
        Committed stored = write("store the exchange", work -> writer.transactionRetried(work, leases::renew), tx -> {
            long now = clock.millis();
            long conversationId = ensureConversation(tx, exchange.identity(), now);
            int live = 0;   // how the live branch's length changes (conversations.live_count)
            long lastId = 0;
            if (exchange.supersedeFrom().isPresent()) {
                live -= tx.update("UPDATE messages SET status = 'superseded' WHERE conversation_id = ? AND id >= ? AND "
                                          + LIVE, conversationId, exchange.supersedeFrom().getAsLong());
            }
            for (NewMessage message : exchange.messages()) {
                String parts = message.plainText() ? null
                        : PartsJson.write(stored(tx, conversationId, message.parts(), now));
                // RETURNING (SQLite 3.35+, PostgreSQL): the reply's id for the ledger without a query of its own
                lastId = tx.queryLong("""
                                      INSERT INTO messages (conversation_id, role, content, parts, content_hash, status,
                                                            model, finish_reason, input_tokens, output_tokens, error,
                                                            created_at)
                                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                              conversationId,
                              message.role() == LlmMessage.Role.USER ? "user" : "assistant",
                              dialect.encode(message.content()),
                              dialect.encode(parts),
                              ContentHash.of(message.message()),
                              message.status().dbValue(),
                              message.model().orElse(null),
                              message.finishReason().orElse(null),
                              message.usage().map(u -> (Object) u.inputTokens()).orElse(null),
                              message.usage().map(u -> (Object) u.outputTokens()).orElse(null),
                              dialect.encode(message.error().orElse(null)),
                              now).orElseThrow();
                live += message.status().live() ? 1 : 0;
            }
            if (!exchange.billed().isEmpty()) {
                // the reply, when there is one, is the exchange's last message
                boolean reply = !exchange.messages().isEmpty()
                        && exchange.messages().getLast().role() == LlmMessage.Role.ASSISTANT;
                OptionalLong messageId = reply ? OptionalLong.of(lastId) : OptionalLong.empty();
                for (BilledCall call : exchange.billed()) {
                    Ledger.insertCall(tx, now, OptionalLong.of(conversationId), messageId, call);
                }
            }
            if (exchange.response().isPresent()) {
                ResponseStore.insert(tx, dialect, conversationId, exchange.messages().size(),
                                     exchange.response().get(), now);
            }
            Optional<String> title = exchange.messages().stream()
                    .filter(m -> m.role() == LlmMessage.Role.USER)
                    .findFirst()
                    .map(m -> title(m.content()))
                    .filter(t -> !t.isEmpty());
            long liveNow = tx.queryLong("UPDATE conversations SET updated_at = ?, title = coalesce(title, ?),"
                                                + " live_count = live_count + ? WHERE id = ? RETURNING live_count",
                                        now, dialect.encode(title.orElse(null)), live, conversationId).orElseThrow();
            return new Committed(conversationId, liveNow);
        });
        if (!exchange.messages().isEmpty()) {
            searchIndex.stored();
        }
        // committed: what the next request's window holds (messages that replaced others: read again)
        if (exchange.supersedeFrom().isPresent()) {
            windows.forget(stored.conversationId());
        } else {
            windows.appended(stored.conversationId(), exchange.messages(), stored.live());
        }
        return stored.conversationId();
    }

    /** The conversation an exchange went to, and its count of live messages with the exchange's. */
    private record Committed(long conversationId, long live) {
    }

    /**
     * The parts as a message row holds them: each image's bytes in the images table (once per conversation and
     * content), the part a reference to its row.
     */
    private static List<Part> stored(Writer.Tx tx, long conversationId, List<Part> parts, long now) throws SQLException {
        List<Part> stored = new ArrayList<>(parts.size());
        for (Part part : parts) {
            stored.add(switch (part) {
                case Part.Image image when image.source() instanceof Part.Image.Inline inline -> {
                    String sha256 = ContentHash.sha256Hex(inline.data());
                    tx.update("""
                                      INSERT INTO images (conversation_id, sha256, media_type, size, data, created_at)
                                      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                              conversationId, sha256, inline.mediaType(), inline.data().length, inline.data(), now);
                    long id = tx.queryLong("SELECT id FROM images WHERE conversation_id = ? AND sha256 = ?",
                                           conversationId, sha256).orElseThrow();
                    yield new Part.Image(new Part.Image.Stored(id, inline.mediaType(), inline.data().length, sha256));
                }
                case Part.ToolResult result -> new Part.ToolResult(result.callId(), result.toolName(),
                                                                   stored(tx, conversationId, result.content(), now),
                                                                   result.error());
                default -> part;
            });
        }
        return stored;
    }

    /** The start of a message on one line (whitespace runs collapsed), for conversation lists. */
    static String title(String content) {
        StringBuilder title = new StringBuilder(TITLE_LENGTH);
        boolean space = false;
        for (int i = 0; i < content.length() && title.length() < TITLE_LENGTH; i++) {
            char c = content.charAt(i);
            if (Character.isWhitespace(c)) {
                space = !title.isEmpty();
            } else {
                if (space) {
                    title.append(' ');
                    space = false;
                }
                title.append(c);
            }
        }
        if (title.length() >= TITLE_LENGTH) {
            title.setLength(TITLE_LENGTH - 1);
            title.append('…');
        }
        return title.toString();
    }
}
