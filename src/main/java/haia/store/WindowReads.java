package haia.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import haia.llm.LlmMessage;
import haia.llm.Part;

import io.helidon.dbclient.DbRow;

/**
 * The reads of the request path, before the model is called: which conversation, its live branch (for aligning a
 * client's history), the context window, the pictures it shows. Each one round trip on a pooled connection, its cost
 * independent of how long the conversation is; those of every request on {@link PreparedReads}.
 */
public final class WindowReads extends StorePart {

    /**
     * The hot query of every request. It walks a conversation's messages backwards from the newest (SQLite: pinned to
     * its index of all of them, skipping those not live; PostgreSQL's planner takes its partial index of live ones)
     * and stops after {@code limit} live rows, so its cost does not depend on history size.
     */
    final String windowSql;
    /** The same, up to a message that is being replaced (a regenerated reply). */
    private final String windowBeforeSql;
    /** The same window, found by the conversation's identity: one round trip for the common request (SQLite). */
    final Optional<String> windowByIdentitySql;
    private final String liveBranchSql;
    private final PreparedReads reads;
    /** What this store last read and wrote of the conversations in use (SQLite; none on PostgreSQL). */
    private final WindowCache cache;

    WindowReads(Database database) {
        super(database);
        this.cache = database.windows;
        this.reads = new PreparedReads(db);
        String live = dialect.indexedBy("messages_by_conversation");
        // live_before: the live messages up to the window's newest, from the conversation's stored count (kept by
        // commit), less the few from beforeId on where there is one (a regenerated reply); subqueries that do not
        // depend on the row, so the database runs them once, in the same round trip as the window
        String liveCount = "(SELECT live_count FROM conversations WHERE id = ?)";
        String window = " FROM messages" + live + " WHERE conversation_id = ? AND " + LIVE
                + " AND id < ? ORDER BY id DESC LIMIT ?";
        this.windowSql = "SELECT role, content, parts, " + liveCount + " AS live_before" + window;
        this.windowBeforeSql = "SELECT role, content, parts, " + liveCount + " - (SELECT count(*) FROM messages" + live
                + " WHERE conversation_id = ? AND " + LIVE + " AND id >= ?) AS live_before" + window;
        this.windowByIdentitySql = dialect.windowByIdentitySql(LIVE);
        this.liveBranchSql = "SELECT id, role, content_hash FROM messages" + live
                + " WHERE conversation_id = ? AND " + LIVE + " ORDER BY id";
    }

    /** The id of the live conversation with this identity (one indexed lookup: the request path uses this). */
    public OptionalLong findId(ConversationIdentity identity) {
        OptionalLong kept = cache.id(identity);
        if (kept.isPresent()) {
            return kept;
        }
        return read("find conversation", () -> reads.query(FIND_ID_SQL, statement -> {
            statement.setString(1, identity.kind().dbValue());
            statement.setString(2, identity.key().orElse(""));
            statement.setString(3, identity.owner());
        }, rows -> rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty()));
    }

    /** Role and content hash of every live message, oldest first (for aligning a client's history). */
    public List<MessageKey> liveBranch(long conversationId) {
        return read("read conversation branch", () -> reads.query(liveBranchSql,
                statement -> statement.setLong(1, conversationId), rows -> {
                    List<MessageKey> keys = new ArrayList<>();
                    while (rows.next()) {
                        keys.add(new MessageKey(rows.getLong("id"), role(rows.getString("role")),
                                                rows.getLong("content_hash")));
                    }
                    return keys;
                }));
    }

    /**
     * Whether message {@code id} is on its conversation's live branch: a Responses API response can be continued
     * while its reply is (a later continuation from an earlier response replaces it).
     */
    public boolean live(long messageId) {
        return read("read the message's status", () -> db.execute().createNamedGet(
                        "message-live", "SELECT status FROM messages WHERE id = ?").params(messageId).execute()
                .map(row -> MessageStatus.fromDb(row.column("status").get(String.class)).live())
                .orElse(false));
    }

    /**
     * The newest {@code limit} live messages, oldest first.
     *
     * @param beforeId only messages older than this id (the part of the branch a regenerate or edit keeps)
     */
    public List<LlmMessage> window(long conversationId, OptionalLong beforeId, int limit) {
        return tail(conversationId, beforeId, limit).messages();
    }

    /** The newest {@code limit} live messages of the live conversation with this identity, oldest first. */
    public List<LlmMessage> window(ConversationIdentity identity, int limit) {
        return tail(identity, limit).messages();
    }

    /**
     * The newest {@code limit} live messages before message {@code beforeId} (all of them when empty), and how many
     * live messages come before those: one round trip, whose cost does not grow with the conversation, or none when
     * a request that held the conversation left them in the cache ({@link #heldTail}).
     */
    public WindowTail tail(long conversationId, OptionalLong beforeId, int limit) {
        return tail(conversationId, beforeId, limit, false);
    }

    /**
     * The same, for a request that holds the conversation (no other exchange can be committed to it meanwhile): what
     * it reads is kept for the conversation's next request, and the exchange it commits is appended to that
     * ({@link WindowCache}). A read without the hold could be overtaken by a commit, so it is not kept.
     */
    public WindowTail heldTail(long conversationId, OptionalLong beforeId, int limit) {
        return tail(conversationId, beforeId, limit, true);
    }

    private WindowTail tail(long conversationId, OptionalLong beforeId, int limit, boolean held) {
        if (beforeId.isEmpty()) {
            Optional<WindowTail> kept = cache.tail(conversationId, limit);
            if (kept.isPresent()) {
                return kept.get();
            }
            long epoch = cache.epoch();
            WindowTail tail = read("load context window", () -> reads.query(windowSql, statement -> {
                statement.setLong(1, conversationId);
                statement.setLong(2, conversationId);
                statement.setLong(3, Long.MAX_VALUE);
                statement.setInt(4, limit);
            }, rows -> tailOf(rows, false).tail()));
            if (held) {
                cache.keep(epoch, Optional.empty(), conversationId, tail, limit);
            }
            return tail;
        }
        return read("load context window", () -> reads.query(windowBeforeSql, statement -> {
            statement.setLong(1, conversationId);
            statement.setLong(2, conversationId);
            statement.setLong(3, beforeId.getAsLong());
            statement.setLong(4, conversationId);
            statement.setLong(5, beforeId.getAsLong());
            statement.setInt(6, limit);
        }, rows -> tailOf(rows, false).tail()));
    }

    /** The same for the live conversation with this identity (empty when there is none). */
    public WindowTail tail(ConversationIdentity identity, int limit) {
        return tail(identity, limit, false);
    }

    /** The same, for a request that holds the conversation (see {@link #heldTail(long, OptionalLong, int)}). */
    public WindowTail heldTail(ConversationIdentity identity, int limit) {
        return tail(identity, limit, true);
    }

    private WindowTail tail(ConversationIdentity identity, int limit, boolean held) {
        if (windowByIdentitySql.isEmpty()) {
            OptionalLong id = findId(identity);
            return id.isPresent() ? tail(id.getAsLong(), OptionalLong.empty(), limit, held) : WindowTail.EMPTY;
        }
        OptionalLong known = cache.id(identity);
        if (known.isPresent()) {
            Optional<WindowTail> kept = cache.tail(known.getAsLong(), limit);
            if (kept.isPresent()) {
                return kept.get();
            }
        }
        long epoch = cache.epoch();
        Rows read = read("load context window", () -> reads.query(windowByIdentitySql.get(), statement -> {
            statement.setString(1, identity.kind().dbValue());
            statement.setString(2, identity.key().orElse(""));
            statement.setString(3, identity.owner());
            statement.setInt(4, limit);
        }, rows -> tailOf(rows, true)));
        if (held) {
            read.conversationId().ifPresent(id -> cache.keep(epoch, Optional.of(identity), id, read.tail(), limit));
        }
        return read.tail();
    }

    /** What a window query read, and the conversation's id where the query returns it (by identity, SQLite). */
    private record Rows(WindowTail tail, OptionalLong conversationId) {
    }

    /**
     * Rows newest first, each carrying {@code live_before}: the live messages up to the newest of them (and, read
     * {@code byIdentity}, the conversation's id).
     */
    private Rows tailOf(ResultSet newestFirst, boolean byIdentity) throws SQLException {
        long liveUpToTail = 0;
        OptionalLong conversationId = OptionalLong.empty();
        List<LlmMessage> messages = new ArrayList<>();
        while (newestFirst.next()) {
            liveUpToTail = newestFirst.getLong("live_before");
            if (byIdentity && conversationId.isEmpty()) {
                conversationId = OptionalLong.of(newestFirst.getLong("conversation_id"));
            }
            LlmMessage.Role role = role(newestFirst.getString("role"));
            String parts = dialect.decode(newestFirst.getString("parts"));
            messages.add(new LlmMessage(role, parts == null
                    ? List.of(new Part.Text(dialect.decode(newestFirst.getString("content"))))
                    : PartsJson.read(parts)));
        }
        Collections.reverse(messages);
        return new Rows(new WindowTail(messages, Math.max(0, liveUpToTail - messages.size())), conversationId);
    }

    /**
     * The bytes of stored images, by id: the window's pictures it still shows, loaded after the window query (which
     * reads references only).
     */
    public Map<Long, Part.Image.Inline> images(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        String marks = String.join(", ", Collections.nCopies(ids.size(), "?"));
        return read("load images", () -> {
            try (Stream<DbRow> rows = db.execute().query(
                    "SELECT id, media_type, data FROM images WHERE id IN (" + marks + ")", ids.toArray())) {
                Map<Long, Part.Image.Inline> images = new HashMap<>();
                rows.forEach(row -> images.put(longOf(row, "id"), new Part.Image.Inline(
                        row.column("media_type").get(String.class), row.column("data").get(byte[].class))));
                return images;
            }
        });
    }
}
