package haia.store;

import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import io.helidon.dbclient.DbRow;

/**
 * Stored Responses API responses: which exchange of which conversation each one is. A response's row is written in
 * its exchange's own transaction ({@link #insert}, called by {@link Exchanges#commit}, as the ledger's rows are); its
 * input items and output are that exchange's messages, read back through {@link ConversationQueries}, so nothing is
 * stored twice. Whether a response can still be continued is a read of the request path
 * ({@link WindowReads#live}).
 */
public final class ResponseStore extends StorePart {

    /** What a stored response's exchange came to. */
    public enum Outcome {
        /** The model answered (completely, or cut at max_output_tokens: its finish reason says which). */
        ANSWERED,
        /** The model call failed; the input is kept as failed messages, outside the window. */
        FAILED,
        /** The client left, or HAIA shut down, before the reply was complete. */
        CANCELLED;

        String dbValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Outcome fromDb(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * A response to store with its exchange.
     *
     * @param id                 {@code resp_...}
     * @param previousResponseId the response it continues
     * @param outcome            what the exchange came to
     * @param request            what the response object echoes of its request, as JSON
     */
    public record NewResponse(String id, Optional<String> previousResponseId, Outcome outcome, String request) {
        public NewResponse {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(previousResponseId, "previousResponseId");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * A stored response.
     *
     * @param conversationId the conversation its exchange is in
     * @param identity       that conversation's identity (what a continuation takes the conversation's lock by)
     * @param firstMessageId its exchange's first message
     * @param lastMessageId  its exchange's last message: the reply, when it was answered
     * @param messageCount   how many messages its exchange has
     */
    public record StoredResponse(String id, long conversationId, ConversationIdentity identity,
                                 Optional<String> previousResponseId, long firstMessageId, long lastMessageId,
                                 int messageCount, Outcome outcome, String request, Instant createdAt) {
    }

    private static final String FIND_SQL = """
            SELECT r.id, r.conversation_id, c.kind, c.external_key, c.owner, r.previous_response_id, r.first_message_id,
                   r.last_message_id, r.message_count, r.status, r.request, r.created_at
            FROM responses r JOIN conversations c ON c.id = r.conversation_id
            WHERE r.id = ?""";

    private final ConversationQueries conversations;

    ResponseStore(Database database, ConversationQueries conversations) {
        super(database);
        this.conversations = conversations;
    }

    /** The stored response with this id. */
    public Optional<StoredResponse> find(String id) {
        return read("find the response", () -> db.execute().createNamedGet("find-response", FIND_SQL).params(id)
                .execute().map(this::response));
    }

    /** A stored response's exchange: its input messages, then its reply (when it has one), oldest first. */
    public List<StoredMessage> exchange(StoredResponse response) {
        return conversations.messages(response.conversationId(), response.firstMessageId() - 1,
                                      response.messageCount());
    }

    /**
     * Deletes a response and its exchange: its messages leave the conversation (later continuations no longer
     * remember them), its billed calls stay in the usage ledger, unlinked. One transaction.
     *
     * @return whether there was such a response
     */
    public boolean delete(String id) {
        Optional<StoredResponse> found = find(id);
        if (found.isEmpty()) {
            return false;
        }
        StoredResponse response = found.get();
        boolean deleted = write("delete the response", tx -> {
            long conversation = response.conversationId();
            long first = response.firstMessageId();
            long last = response.lastMessageId();
            tx.update("UPDATE model_calls SET conversation_id = NULL, message_id = NULL"
                              + " WHERE conversation_id = ? AND message_id BETWEEN ? AND ?", conversation, first, last);
            // the conversation's count of live messages (the window's block position) loses the live ones
            long live = tx.queryLong("SELECT count(*) FROM messages WHERE conversation_id = ? AND id BETWEEN ? AND ?"
                                             + " AND " + LIVE, conversation, first, last).orElse(0);
            tx.update("DELETE FROM messages WHERE conversation_id = ? AND id BETWEEN ? AND ?", conversation, first,
                      last);
            tx.update("UPDATE conversations SET live_count = live_count - ? WHERE id = ?", live, conversation);
            return tx.update("DELETE FROM responses WHERE id = ?", id) > 0;
        });
        database.windows.forget(response.conversationId());   // its messages left the conversation
        return deleted;
    }

    /**
     * Records a response in its exchange's transaction, after the exchange's {@code messages} messages were
     * appended to conversation {@code conversationId}: they are the conversation's newest.
     */
    static void insert(Writer.Tx tx, Dialect dialect, long conversationId, int messages, NewResponse response,
                       long now) throws SQLException {
        OptionalLong last = tx.queryLong("SELECT max(id) FROM messages WHERE conversation_id = ?", conversationId);
        OptionalLong first = tx.queryLong("SELECT min(id) FROM (SELECT id FROM messages WHERE conversation_id = ?"
                                                  + " ORDER BY id DESC LIMIT ?) newest", conversationId, messages);
        tx.update("""
                          INSERT INTO responses (id, conversation_id, previous_response_id, first_message_id,
                                                 last_message_id, message_count, status, request, created_at)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                  response.id(), conversationId, response.previousResponseId().orElse(null), first.orElseThrow(),
                  last.orElseThrow(), messages, response.outcome().dbValue(), dialect.encode(response.request()), now);
    }

    private StoredResponse response(DbRow row) {
        String key = row.column("external_key").get(String.class);
        return new StoredResponse(
                row.column("id").get(String.class),
                longOf(row, "conversation_id"),
                new ConversationIdentity(ConversationKind.fromDb(row.column("kind").get(String.class)),
                                         Optional.ofNullable(key), row.column("owner").get(String.class)),
                Optional.ofNullable(row.column("previous_response_id").get(String.class)),
                longOf(row, "first_message_id"),
                longOf(row, "last_message_id"),
                (int) longOf(row, "message_count"),
                Outcome.fromDb(row.column("status").get(String.class)),
                dialect.decode(row.column("request").get(String.class)),
                Instant.ofEpochMilli(longOf(row, "created_at")));
    }
}
