package haia.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import haia.usage.Cost;

import io.helidon.dbclient.DbRow;

/** The conversation API's queries: conversations and their whole stored history, a new thread, deletion. */
public final class ConversationQueries extends StorePart {

    ConversationQueries(Database database) {
        super(database);
    }

    /** The live conversation with this identity, with its counts, if it has been stored. */
    public Optional<ConversationSummary> find(ConversationIdentity identity) {
        return read("find conversation", () -> db.execute().get(
                        summarySql("WHERE c.kind = ? AND coalesce(c.external_key, '') = ? AND c.owner = ?"
                                   + " AND c.archived = 0"),
                        identity.kind().dbValue(), identity.key().orElse(""), identity.owner())
                .map(this::summary));
    }

    /** Conversations, most recently active first. */
    public List<ConversationSummary> list(int limit, int offset) {
        return list(Optional.empty(), limit, offset);
    }

    /** The conversations of {@code owner} (everyone's when empty: the API key's holder), most recently active first. */
    public List<ConversationSummary> list(Optional<String> owner, int limit, int offset) {
        return read("list conversations", () -> {
            try (Stream<DbRow> rows = owner.isEmpty()
                    ? db.execute().query(summarySql("") + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
                                         limit, offset)
                    : db.execute().query(summarySql("WHERE c.owner = ?")
                                                 + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
                                         owner.get(), limit, offset)) {
                return rows.map(this::summary).toList();
            }
        });
    }

    /** The conversation with this id, when it is {@code owner}'s (anyone's when empty). */
    public Optional<ConversationSummary> get(long conversationId, Optional<String> owner) {
        return get(conversationId).filter(found -> owner.isEmpty() || owner.get().equals(found.owner()));
    }

    public Optional<ConversationSummary> get(long conversationId) {
        return read("read conversation", () -> db.execute()
                .get(summarySql("WHERE c.id = ?"), conversationId)
                .map(this::summary));
    }

    /** Every stored message of a conversation (history included), oldest first, after message id {@code afterId}. */
    public List<StoredMessage> messages(long conversationId, long afterId, int limit) {
        return read("read messages", () -> {
            // a reply's cache and reasoning tokens and its cost are in the usage ledger, found by the reply's id:
            // summed, since a reply of the agent loop took several model calls (each its own row)
            try (Stream<DbRow> rows = db.execute().query("""
                    SELECT m.id, m.role, m.content, m.parts, m.status, m.model, m.finish_reason, m.input_tokens,
                           m.output_tokens, c.cache_read_tokens, c.cache_write_tokens, c.reasoning_tokens,
                           c.cost_pico_usd, m.error, m.created_at
                    FROM messages m
                    LEFT JOIN (SELECT message_id, CAST(sum(cache_read_tokens) AS INTEGER) AS cache_read_tokens,
                                      CAST(sum(cache_write_tokens) AS INTEGER) AS cache_write_tokens,
                                      CAST(sum(reasoning_tokens) AS INTEGER) AS reasoning_tokens,
                                      CAST(sum(cost_pico_usd) AS BIGINT) AS cost_pico_usd
                               FROM model_calls WHERE conversation_id = ? AND message_id > ?
                               GROUP BY message_id) c ON c.message_id = m.id
                    WHERE m.conversation_id = ? AND m.id > ? ORDER BY m.id LIMIT ?""",
                    conversationId, afterId, conversationId, afterId, limit)) {
                return rows.map(this::message).toList();
            }
        });
    }

    /**
     * Starts a new thread for {@code identity}: its live conversation (if any) is archived, messages kept, and a
     * fresh, empty one takes its place, in one transaction.
     *
     * @return the new conversation
     */
    public ConversationSummary startNew(ConversationIdentity identity) {
        long id = write("start a new conversation", tx -> {
            long now = clock.millis();
            tx.update("UPDATE conversations SET archived = 1, updated_at = ? WHERE kind = ?"
                                  + " AND coalesce(external_key, '') = ? AND owner = ? AND archived = 0",
                          now, identity.kind().dbValue(), identity.key().orElse(""), identity.owner());
            return ensureConversation(tx, identity, now);
        });
        database.windows.forget(identity);
        return get(id).orElseThrow();
    }

    /** Deletes a conversation and all its messages. */
    public boolean delete(long conversationId) {
        boolean deleted = write("delete the conversation", tx -> {
            // its spend stays in the usage ledger, no longer linked (SQLite may give a deleted id to a new row)
            tx.update("UPDATE model_calls SET conversation_id = NULL, message_id = NULL WHERE conversation_id = ?",
                      conversationId);
            tx.update("DELETE FROM messages WHERE conversation_id = ?", conversationId);
            tx.update("DELETE FROM images WHERE conversation_id = ?", conversationId);
            return tx.update("DELETE FROM conversations WHERE id = ?", conversationId) > 0;
        });
        database.windows.forget(conversationId);
        return deleted;
    }

    /**
     * The live count is the conversation's stored one (kept by every write that stores, supersedes or deletes its
     * messages, and what the window's position is taken from); the message count walks its index.
     */
    private static String summarySql(String where) {
        return """
                SELECT c.id, c.kind, c.external_key, c.owner, c.title, c.archived, c.created_at, c.updated_at,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count,
                       c.live_count
                FROM conversations c
                """ + where;
    }

    private ConversationSummary summary(DbRow row) {
        return new ConversationSummary(
                longOf(row, "id"),
                ConversationKind.fromDb(row.column("kind").get(String.class)),
                Optional.ofNullable(row.column("external_key").get(String.class)),
                Optional.ofNullable(text(row, "title")),
                longOf(row, "archived") != 0,
                Instant.ofEpochMilli(longOf(row, "created_at")),
                Instant.ofEpochMilli(longOf(row, "updated_at")),
                (int) longOf(row, "message_count"),
                (int) longOf(row, "live_count"),
                row.column("owner").get(String.class));
    }

    private StoredMessage message(DbRow row) {
        return new StoredMessage(
                longOf(row, "id"),
                role(row),
                text(row, "content"),
                text(row, "parts") == null ? List.of() : PartsJson.read(text(row, "parts")),
                MessageStatus.fromDb(row.column("status").get(String.class)),
                Optional.ofNullable(row.column("model").get(String.class)),
                Optional.ofNullable(row.column("finish_reason").get(String.class)),
                optionalInt(row, "input_tokens"),
                optionalInt(row, "output_tokens"),
                optionalInt(row, "cache_read_tokens"),
                optionalInt(row, "cache_write_tokens"),
                optionalInt(row, "reasoning_tokens"),
                Optional.ofNullable(row.column("cost_pico_usd").get(Number.class)).map(n -> new Cost(n.longValue())),
                Optional.ofNullable(text(row, "error")),
                Instant.ofEpochMilli(longOf(row, "created_at")));
    }
}
