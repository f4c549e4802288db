package haia.store;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import haia.config.HaiaConfig;
import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.Usage;
import haia.usage.Cost;
import haia.usage.Price;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/**
 * Conversations, their messages and the usage ledger of billed model calls ({@code model_calls}, written in the
 * same transaction as the exchange it belongs to), through Helidon's DbClient, in SQLite (the embedded default) or
 * PostgreSQL (several replicas on one server). The queries and the write code are the same for both; what differs (index
 * hints, how a write transaction gets its connection, migrations, error meanings, cross-replica leases) is the
 * {@link Dialect}'s. Reads run in parallel on pooled connections; each write is one short transaction. No
 * connection is ever held while a model call is running.
 */
public final class ConversationStore implements AutoCloseable {

    private static final String LIVE = "status IN ('ok', 'imported')";
    private static final String FIND_ID_SQL =
            "SELECT id FROM conversations WHERE kind = ? AND coalesce(external_key, '') = ? AND archived = 0";
    private static final int TITLE_LENGTH = 80;
    private static final long DAY_MILLIS = 86_400_000L;

    private final Dialect dialect;
    private final DbClient db;
    private final Writer writer;
    private final ConversationLeases leases;
    private final Clock clock;
    /** The watch's findings, on the same database and writer (their own tables). */
    private final FindingStore findings;
    /** Why the last write failed, while no write has succeeded since (for {@code /health}). */
    private volatile Optional<String> writeProblem = Optional.empty();
    /**
     * The hot query of every request. Pinned to the partial index of live messages: it walks backwards from the
     * newest live message and stops after {@code limit} rows, so its cost does not depend on history size.
     */
    final String windowSql;
    /** The same, up to a message that is being replaced (a regenerated reply). */
    private final String windowBeforeSql;
    /** The same window, found by the conversation's identity: one round trip for the common request (SQLite). */
    final Optional<String> windowByIdentitySql;
    private final String liveBranchSql;

    private ConversationStore(Dialect dialect, DbClient db, Writer writer, ConversationLeases leases, Clock clock) {
        this.dialect = dialect;
        this.db = db;
        this.writer = writer;
        this.leases = leases;
        this.clock = clock;
        this.findings = new FindingStore(dialect, db, writer, clock);
        String live = dialect.indexedBy("messages_live");
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

    /** Opens the SQLite database at {@code dbPath} (creating it when missing) and brings its schema up to date. */
    public static ConversationStore open(Path dbPath, Clock clock) {
        return open(new HaiaConfig.Store(dbPath, OptionalLong.empty()), clock);
    }

    /**
     * @param maxBytes a size cap: SQLite's {@code max_page_count}, so past it writes fail exactly as on a full disk
     */
    public static ConversationStore open(Path dbPath, OptionalLong maxBytes, Clock clock) {
        return open(new HaiaConfig.Store(dbPath, maxBytes), clock);
    }

    /** Opens the configured database, PostgreSQL when a server is configured, else SQLite, and migrates it. */
    public static ConversationStore open(HaiaConfig.Store config, Clock clock) {
        Dialect dialect = config.server().<Dialect>map(server -> new PostgresDialect(server, config.pool()))
                .orElseGet(() -> new SqliteDialect(config.dbPath(), config.maxBytes(), config.pool()));
        DbClient db = null;
        Writer writer = null;
        try {
            db = dialect.connect();
            // migrations on a writer of their own: the store's writer then connects on its first write, and so
            // sees the database as it is by then (SQLite keeps a file handle's read-only state for good)
            try (Writer migrations = dialect.migrationWriter(db)) {
                Migrations.apply(dialect, db, migrations);
            }
            writer = dialect.writer(db);
            return new ConversationStore(dialect, db, writer, dialect.leases(db), clock);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.close();
            }
            if (db != null) {
                db.close();
            }
            throw dialect.translate("open the database at " + dialect.location(), e);
        }
    }

    /** {@code sqlite} or {@code postgresql}. */
    public String dialect() {
        return dialect.name();
    }

    /** The file, or the server's URL (never with a password), for log lines. */
    public String location() {
        return dialect.location();
    }

    /** Claims on conversations across replicas sharing this database (none needed for SQLite). */
    public ConversationLeases leases() {
        return leases;
    }

    /** The findings of HAIA's watch and their investigations. */
    public FindingStore findings() {
        return findings;
    }

    /** The connection pool's current state, when the pool publishes it. */
    public Optional<PoolStats> poolStats() {
        return PoolStats.read(dialect.poolName());
    }

    // ---- the request path ----

    /** The id of the live conversation with this identity (one indexed lookup: the request path uses this). */
    public OptionalLong findId(ConversationIdentity identity) {
        // named statements: for unnamed ones DbClient derives a name by hashing the SQL, on every call
        return read("find conversation", () -> db.execute().createNamedGet("find-id", FIND_ID_SQL)
                        .params(identity.kind().dbValue(), identity.key().orElse("")).execute()
                .map(row -> OptionalLong.of(longOf(row, "id")))
                .orElse(OptionalLong.empty()));
    }

    /** The live conversation with this identity, with its counts, if it has been stored. */
    public Optional<ConversationSummary> find(ConversationIdentity identity) {
        return read("find conversation", () -> db.execute().get(
                        summarySql("WHERE c.kind = ? AND coalesce(c.external_key, '') = ? AND c.archived = 0"),
                        identity.kind().dbValue(), identity.key().orElse(""))
                .map(this::summary));
    }

    /** Role and content hash of every live message, oldest first (for aligning a client's history). */
    public List<MessageKey> liveBranch(long conversationId) {
        return read("read conversation branch", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("live-branch", liveBranchSql)
                    .params(conversationId).execute()) {
                return rows.map(row -> new MessageKey(
                        longOf(row, "id"), role(row), longOf(row, "content_hash"))).toList();
            }
        });
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
     * live messages come before those: one round trip, whose cost does not grow with the conversation.
     */
    public WindowTail tail(long conversationId, OptionalLong beforeId, int limit) {
        return read("load context window", () -> {
            try (Stream<DbRow> rows = beforeId.isEmpty()
                    ? db.execute().createNamedQuery("window", windowSql)
                            .params(conversationId, conversationId, Long.MAX_VALUE, limit).execute()
                    : db.execute().createNamedQuery("window-before", windowBeforeSql)
                            .params(conversationId, conversationId, beforeId.getAsLong(), conversationId,
                                    beforeId.getAsLong(), limit).execute()) {
                return tailOf(rows);
            }
        });
    }

    /** The same for the live conversation with this identity (empty when there is none). */
    public WindowTail tail(ConversationIdentity identity, int limit) {
        if (windowByIdentitySql.isEmpty()) {
            OptionalLong id = findId(identity);
            return id.isPresent() ? tail(id.getAsLong(), OptionalLong.empty(), limit) : WindowTail.EMPTY;
        }
        return read("load context window", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("window-by-identity", windowByIdentitySql.get())
                    .params(identity.kind().dbValue(), identity.key().orElse(""), limit).execute()) {
                return tailOf(rows);
            }
        });
    }

    /** Rows newest first, each carrying {@code live_before}: the live messages up to the newest of them. */
    private WindowTail tailOf(Stream<DbRow> newestFirst) {
        long[] liveUpToTail = {0};
        List<LlmMessage> messages = new ArrayList<>(newestFirst
                .map(row -> {
                    liveUpToTail[0] = longOf(row, "live_before");
                    return new LlmMessage(role(row), parts(row));
                })
                .toList());
        Collections.reverse(messages);
        return new WindowTail(messages, Math.max(0, liveUpToTail[0] - messages.size()));
    }

    private List<LlmMessage> oldestFirst(Stream<DbRow> newestFirst) {
        List<LlmMessage> messages = new ArrayList<>(newestFirst
                .map(row -> new LlmMessage(role(row), parts(row)))
                .toList());
        Collections.reverse(messages);
        return messages;
    }

    /** A row's parts: its parts column when it has one, else its text (images stay references). */
    private List<Part> parts(DbRow row) {
        String parts = text(row, "parts");
        return parts == null ? List.of(new Part.Text(text(row, "content"))) : PartsJson.read(parts);
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

    /**
     * Writes one exchange in one transaction: creates the conversation when new, moves superseded messages off the
     * live branch, appends the messages.
     *
     * @return the conversation's id
     */
    public long commit(Exchange exchange) {
        // retried while a PostgreSQL server is away for a moment, the conversation's claim renewed each time: the
        // client has its answer, so the exchange must not be lost to a restart
        return write("store the exchange", work -> writer.transactionRetried(work, leases::renew), tx -> {
            long now = clock.millis();
            long conversationId = ensureConversation(tx, exchange.identity(), now);
            int live = 0;   // how the live branch's length changes (conversations.live_count)
            if (exchange.supersedeFrom().isPresent()) {
                live -= tx.update("UPDATE messages SET status = 'superseded' WHERE conversation_id = ? AND id >= ? AND "
                                          + LIVE, conversationId, exchange.supersedeFrom().getAsLong());
            }
            for (NewMessage message : exchange.messages()) {
                LlmMessage whole = message.message();
                String parts = whole.textOnly() && whole.parts().size() == 1 ? null
                        : PartsJson.write(stored(tx, conversationId, message.parts(), now));
                tx.update("""
                                      INSERT INTO messages (conversation_id, role, content, parts, content_hash, status,
                                                            model, finish_reason, input_tokens, output_tokens, error,
                                                            created_at)
                                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                              conversationId,
                              message.role() == LlmMessage.Role.USER ? "user" : "assistant",
                              dialect.encode(message.content()),
                              dialect.encode(parts),
                              ContentHash.of(whole),
                              message.status().dbValue(),
                              message.model().orElse(null),
                              message.finishReason().orElse(null),
                              message.usage().map(u -> (Object) u.inputTokens()).orElse(null),
                              message.usage().map(u -> (Object) u.outputTokens()).orElse(null),
                              dialect.encode(message.error().orElse(null)),
                              now);
                live += message.status().live() ? 1 : 0;
            }
            if (!exchange.billed().isEmpty()) {
                // the reply, when there is one, is the exchange's last message (one index lookup, inside the write)
                boolean reply = !exchange.messages().isEmpty()
                        && exchange.messages().getLast().role() == LlmMessage.Role.ASSISTANT;
                OptionalLong messageId = reply
                        ? tx.queryLong("SELECT max(id) FROM messages WHERE conversation_id = ?", conversationId)
                        : OptionalLong.empty();
                for (BilledCall call : exchange.billed()) {
                    insertCall(tx, now, OptionalLong.of(conversationId), messageId, call);
                }
            }
            Optional<String> title = exchange.messages().stream()
                    .filter(m -> m.role() == LlmMessage.Role.USER)
                    .findFirst()
                    .map(m -> title(m.content()))
                    .filter(t -> !t.isEmpty());
            tx.update("UPDATE conversations SET updated_at = ?, title = coalesce(title, ?), live_count = live_count + ?"
                              + " WHERE id = ?", now, dialect.encode(title.orElse(null)), live, conversationId);
            return conversationId;
        });
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

    /**
     * Records a billed model call that belongs to no stored conversation (a background task, a temporary chat, a
     * client that sent its own context), in a transaction of its own.
     */
    public void record(BilledCall call) {
        write("record the model call", tx -> {
            insertCall(tx, clock.millis(), OptionalLong.empty(), OptionalLong.empty(), call);
            return null;
        });
    }

    private static void insertCall(Writer.Tx tx, long now, OptionalLong conversationId, OptionalLong messageId,
                                   BilledCall call) throws SQLException {
        Usage usage = call.charge().usage();
        Optional<Price> price = call.charge().price();
        tx.update("""
                          INSERT INTO model_calls (created_at, conversation_id, message_id, model, provider,
                                                   upstream_model, input_tokens, output_tokens, cache_read_tokens,
                                                   cache_write_tokens, usage_estimated, price_input, price_output,
                                                   price_cache_read, price_cache_write, cost_pico_usd)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                  now,
                  conversationId.isPresent() ? conversationId.getAsLong() : null,
                  messageId.isPresent() ? messageId.getAsLong() : null,
                  call.model(), call.provider(), call.upstreamModel(),
                  usage.inputTokens(), usage.outputTokens(), usage.cacheReadTokens(), usage.cacheWriteTokens(),
                  usage.estimated() ? 1 : 0,
                  price.map(p -> (Object) p.input().microUsdPerMillion()).orElse(null),
                  price.map(p -> (Object) p.output().microUsdPerMillion()).orElse(null),
                  price.map(p -> (Object) p.cacheRead().microUsdPerMillion()).orElse(null),
                  price.map(p -> (Object) p.cacheWrite().microUsdPerMillion()).orElse(null),
                  call.charge().cost().map(c -> (Object) c.picoUsd()).orElse(null));
    }

    /**
     * The usage ledger's totals for calls answered from {@code from} (inclusive) to {@code to} (exclusive), one line
     * per model, day (UTC) or conversation. Exact: sums of whole tokens and whole picodollars. The time range walks
     * the ledger's index on {@code created_at}.
     */
    public List<UsageTotals> usage(Instant from, Instant to, UsageGroup.By by) {
        String sql = usageSql(by);
        return read("read usage", () -> {
            try (Stream<DbRow> rows = db.execute().query(sql, from.toEpochMilli(), to.toEpochMilli())) {
                return rows.map(row -> new UsageTotals(
                                switch (by) {
                                    case MODEL -> new UsageGroup.Model(row.column("grp").get(String.class));
                                    case DAY -> new UsageGroup.Day(LocalDate.ofEpochDay(longOf(row, "grp")));
                                    case CONVERSATION -> new UsageGroup.Conversation(optionalLong(row, "grp"));
                                },
                                longOf(row, "requests"), longOf(row, "input_tokens"), longOf(row, "output_tokens"),
                                longOf(row, "cache_read_tokens"), longOf(row, "cache_write_tokens"),
                                Cost.usd(decimal(row, "cost_pico_usd")), longOf(row, "unpriced"),
                                longOf(row, "estimated")))
                        .sorted(Comparator.comparing(UsageTotals::group, UsageGroup.ORDER))
                        .toList();
            }
        });
    }

    /** The usage query (parameters: from and to, epoch milliseconds): one indexed range of the ledger, grouped. */
    static String usageSql(UsageGroup.By by) {
        String group = switch (by) {
            case MODEL -> "model";
            case DAY -> "created_at / " + DAY_MILLIS;
            case CONVERSATION -> "conversation_id";
        };
        return """
                SELECT %1$s AS grp, count(*) AS requests, sum(input_tokens) AS input_tokens,
                       sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
                       sum(cache_write_tokens) AS cache_write_tokens, sum(cost_pico_usd) AS cost_pico_usd,
                       count(*) - count(cost_pico_usd) AS unpriced, sum(usage_estimated) AS estimated
                FROM model_calls WHERE created_at >= ? AND created_at < ?
                GROUP BY %1$s""".formatted(group);
    }

    /**
     * The live conversation's id, creating it when missing. Looked up first: it exists for all but a
     * conversation's first request, and an insert that conflicts would still use up an id on PostgreSQL.
     */
    private static long ensureConversation(Writer.Tx tx, ConversationIdentity identity, long now)
            throws SQLException {
        OptionalLong existing = tx.queryLong(FIND_ID_SQL, identity.kind().dbValue(), identity.key().orElse(""));
        if (existing.isPresent()) {
            return existing.getAsLong();
        }
        tx.update("""
                          INSERT INTO conversations (kind, external_key, created_at, updated_at) VALUES (?, ?, ?, ?)
                          ON CONFLICT DO NOTHING""",
                  identity.kind().dbValue(), identity.key().orElse(null), now, now);
        return tx.queryLong(FIND_ID_SQL, identity.kind().dbValue(), identity.key().orElse(""))
                .orElseThrow(() -> new IllegalStateException("conversation " + identity + " vanished"));
    }

    // ---- management ----

    /** Conversations, most recently active first. */
    public List<ConversationSummary> list(int limit, int offset) {
        return read("list conversations", () -> {
            try (Stream<DbRow> rows = db.execute().query(
                    summarySql("") + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?", limit, offset)) {
                return rows.map(this::summary).toList();
            }
        });
    }

    public Optional<ConversationSummary> get(long conversationId) {
        return read("read conversation", () -> db.execute()
                .get(summarySql("WHERE c.id = ?"), conversationId)
                .map(this::summary));
    }

    /** Every stored message of a conversation (history included), oldest first, after message id {@code afterId}. */
    public List<StoredMessage> messages(long conversationId, long afterId, int limit) {
        return read("read messages", () -> {
            // a reply's cache tokens and cost are in the usage ledger, found by the reply's id: summed, since a reply
            // of the agent loop took several model calls (each its own row)
            try (Stream<DbRow> rows = db.execute().query("""
                    SELECT m.id, m.role, m.content, m.parts, m.status, m.model, m.finish_reason, m.input_tokens,
                           m.output_tokens, c.cache_read_tokens, c.cache_write_tokens, c.cost_pico_usd, m.error,
                           m.created_at
                    FROM messages m
                    LEFT JOIN (SELECT message_id, CAST(sum(cache_read_tokens) AS INTEGER) AS cache_read_tokens,
                                      CAST(sum(cache_write_tokens) AS INTEGER) AS cache_write_tokens,
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
                                  + " AND coalesce(external_key, '') = ? AND archived = 0",
                          now, identity.kind().dbValue(), identity.key().orElse(""));
            return ensureConversation(tx, identity, now);
        });
        return get(id).orElseThrow();
    }

    /** Deletes a conversation and all its messages. */
    public boolean delete(long conversationId) {
        return write("delete the conversation", tx -> {
            // its spend stays in the usage ledger, no longer linked (SQLite may give a deleted id to a new row)
            tx.update("UPDATE model_calls SET conversation_id = NULL, message_id = NULL WHERE conversation_id = ?",
                      conversationId);
            tx.update("DELETE FROM messages WHERE conversation_id = ?", conversationId);
            tx.update("DELETE FROM images WHERE conversation_id = ?", conversationId);
            return tx.update("DELETE FROM conversations WHERE id = ?", conversationId) > 0;
        });
    }

    /** The SQLite database file; empty on PostgreSQL. */
    public Optional<Path> file() {
        return dialect.file();
    }

    /**
     * Why writes fail, when the last one failed because of the environment (disk full, read-only, I/O error, the
     * server unreachable) and none has succeeded since. Clears with the next successful write.
     */
    public Optional<String> writeProblem() {
        return writeProblem;
    }

    /** A cheap round trip for health checks. */
    public void ping() {
        read("ping the database", () -> db.execute().get("SELECT 1 AS one"));
    }

    /** A SQLite pragma's value as a pooled connection sees it (for start-up checks and tests). */
    long pragma(String name) {
        if (!name.matches("[a-z_]+")) {
            throw new IllegalArgumentException("not a pragma name: " + name);
        }
        return read("read pragma " + name, () -> db.execute().get("PRAGMA " + name)
                .map(row -> row.column(1).get(Number.class).longValue())
                .orElseThrow());
    }

    @Override
    public void close() {
        leases.close();
        writer.close();
        db.close();
    }

    // ---- plumbing ----

    private <T> T read(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw dialect.translate(what, e);
        }
    }

    private <T> T write(String what, Writer.Work<T> work) {
        return write(what, writer::transaction, work);
    }

    /** How a write transaction is run: once, or retried through an outage. */
    @FunctionalInterface
    private interface Transaction<T> {
        T run(Writer.Work<T> work) throws SQLException;
    }

    private <T> T write(String what, Transaction<T> transaction, Writer.Work<T> work) {
        StoreException failure;
        try {
            T result = transaction.run(work);
            writeProblem = Optional.empty();
            return result;
        } catch (SQLException e) {
            failure = dialect.translate(what, new IllegalStateException(e.getMessage(), e));
        } catch (RuntimeException e) {
            failure = dialect.translate(what, e);
        }
        if (failure.unavailable()) {
            writeProblem = Optional.of(failure.getMessage());
        }
        throw failure;
    }

    private static String summarySql(String where) {
        return """
                SELECT c.id, c.kind, c.external_key, c.title, c.archived, c.created_at, c.updated_at,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.%s) AS live_count
                FROM conversations c
                """.formatted(LIVE) + where;
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
                (int) longOf(row, "live_count"));
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
                Optional.ofNullable(row.column("cost_pico_usd").get(Number.class)).map(n -> new Cost(n.longValue())),
                Optional.ofNullable(text(row, "error")),
                Instant.ofEpochMilli(longOf(row, "created_at")));
    }

    private static LlmMessage.Role role(DbRow row) {
        return "user".equals(row.column("role").get(String.class)) ? LlmMessage.Role.USER : LlmMessage.Role.ASSISTANT;
    }

    /** Text the user or the model wrote, exactly as it was (see {@link Dialect#decode(String)}). */
    private String text(DbRow row, String column) {
        return dialect.decode(row.column(column).get(String.class));
    }

    /** SQLite hands back Integer or Long depending on magnitude, PostgreSQL per column type; read both. */
    private static long longOf(DbRow row, String column) {
        return row.column(column).get(Number.class).longValue();
    }

    private static OptionalLong optionalLong(DbRow row, String column) {
        Number value = row.column(column).get(Number.class);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value.longValue());
    }

    /** An exact sum: SQLite returns a long (or NULL for none), PostgreSQL a numeric for sums of BIGINT. */
    private static BigDecimal decimal(DbRow row, String column) {
        Number value = row.column(column).get(Number.class);
        return switch (value) {
            case null -> BigDecimal.ZERO;
            case BigDecimal exact -> exact;
            case java.math.BigInteger big -> new BigDecimal(big);
            default -> BigDecimal.valueOf(value.longValue());
        };
    }

    private static OptionalInt optionalInt(DbRow row, String column) {
        Number value = row.column(column).get(Number.class);
        return value == null ? OptionalInt.empty() : OptionalInt.of(value.intValue());
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
