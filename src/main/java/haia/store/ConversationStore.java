package haia.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import haia.llm.LlmMessage;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Conversations and their messages in SQLite, through Helidon's DbClient.
 *
 * <p>Reads run in parallel on DbClient's pooled connections (WAL mode lets readers and the writer overlap). SQLite
 * has a single writer, so every write goes through one {@link SqliteWriter}: one connection from the same pool, one
 * short transaction per exchange, one at a time. No connection is ever held while a model call is running.
 */
public final class ConversationStore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ConversationStore.class.getName());
    private static final String LIVE = "status IN ('ok', 'imported')";
    /**
     * The hot query of every request. Pinned to the partial index of live messages: it walks backwards from the
     * newest live message and stops after {@code limit} rows, so its cost does not depend on history size.
     */
    static final String WINDOW_SQL = "SELECT role, content FROM messages INDEXED BY messages_live"
            + " WHERE conversation_id = ? AND " + LIVE + " AND id < ? ORDER BY id DESC LIMIT ?";
    /** The same window, found by the conversation's identity: one round trip for the common request. */
    static final String WINDOW_BY_IDENTITY_SQL = "SELECT m.role, m.content FROM conversations c"
            + " JOIN messages m INDEXED BY messages_live ON m.conversation_id = c.id"
            + " WHERE c.kind = ? AND coalesce(c.external_key, '') = ? AND c.archived = 0 AND m." + LIVE
            + " ORDER BY m.id DESC LIMIT ?";
    private static final String FIND_ID_SQL =
            "SELECT id FROM conversations WHERE kind = ? AND coalesce(external_key, '') = ? AND archived = 0";
    private static final int TITLE_LENGTH = 80;
    /** SQLite's default page size, which HAIA keeps. */
    private static final long PAGE_SIZE = 4096;

    private final DbClient db;
    private final SqliteWriter writer;
    private final Clock clock;
    private final Path file;
    /** Why the last write failed, while no write has succeeded since (for {@code /health}). */
    private volatile Optional<String> writeProblem = Optional.empty();

    private ConversationStore(DbClient db, String url, Path file, Clock clock) {
        this.db = db;
        this.writer = new SqliteWriter(() -> {
            try {
                return DriverManager.getConnection(url);
            } catch (SQLException e) {
                throw translate("open the database for writing", new IllegalStateException(e.getMessage(), e));
            }
        });
        this.file = file;
        this.clock = clock;
    }

    /**
     * Opens (creating when missing) the database at {@code dbPath} and brings its schema up to date.
     * A new folder and file are readable by the owner only: they hold someone's whole troubleshooting history.
     */
    public static ConversationStore open(Path dbPath, Clock clock) {
        return open(dbPath, java.util.OptionalLong.empty(), clock);
    }

    /**
     * @param maxBytes a size cap: SQLite's {@code max_page_count}, so past it writes fail exactly as on a full disk
     */
    public static ConversationStore open(Path dbPath, java.util.OptionalLong maxBytes, Clock clock) {
        Path file = dbPath.toAbsolutePath();
        prepareFile(file);
        // Pragmas as connection properties, so every pooled connection gets them: WAL (readers never block the
        // writer), NORMAL sync (durable across process crashes; WAL makes it safe), a busy timeout for other
        // processes reading the file, foreign keys for ON DELETE CASCADE, IMMEDIATE transactions (take the write
        // lock up front instead of failing on upgrade), and secure_delete so deleted conversations are overwritten.
        String url = "jdbc:sqlite:" + file
                + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=10000&foreign_keys=true"
                + "&transaction_mode=IMMEDIATE&secure_delete=true"
                // HAIA never asks for generated keys; without this the driver queries them after every insert
                + "&jdbc.get_generated_keys=false"
                + (maxBytes.isPresent() ? "&max_page_count=" + Math.max(16, maxBytes.getAsLong() / PAGE_SIZE) : "");
        Config dbConfig = Config.just(ConfigSources.create(Map.of(
                "source", "jdbc",
                "connection.url", url,
                "connection.poolName", "haia-sqlite",
                "connection.maximumPoolSize", "8",
                "connection.minimumIdle", "2")));
        DbClient db;
        try {
            db = DbClient.create(dbConfig);
            Migrations.apply(db);
        } catch (RuntimeException e) {
            throw translate("open the database at " + file, e);
        }
        return new ConversationStore(db, url, file, clock);
    }

    private static void prepareFile(Path file) {
        DatabasePathProblem.check(file).ifPresent(problem -> {
            throw new StoreException(problem, true, null);
        });
        Path dir = file.getParent();
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            if (dir != null && !Files.isDirectory(dir)) {
                if (posix) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                                   PosixFilePermission.OWNER_EXECUTE)));
                } else {
                    Files.createDirectories(dir);
                }
            }
            if (posix && !Files.exists(file)) {
                try {
                    // SQLite gives its -wal and -shm files the permissions of the database file
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(
                            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first; fine
                }
            } else if (posix) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                    LOG.log(System.Logger.Level.WARNING, "Database file " + file + " is readable by other users ("
                            + PosixFilePermissions.toString(perms) + "); consider chmod 600");
                }
            }
        } catch (IOException e) {
            throw new StoreException(DatabasePathProblem.explain(file, e), true, e);
        }
    }

    // ---- the request path ----

    /** The id of the live conversation with this identity (one indexed lookup: the request path uses this). */
    public java.util.OptionalLong findId(ConversationIdentity identity) {
        // named statements: for unnamed ones DbClient derives a name by hashing the SQL, on every call
        return read("find conversation", () -> db.execute().createNamedGet("find-id", FIND_ID_SQL)
                        .params(identity.kind().dbValue(), identity.key().orElse("")).execute()
                .map(row -> java.util.OptionalLong.of(longOf(row, "id")))
                .orElse(java.util.OptionalLong.empty()));
    }

    /** The live conversation with this identity, with its counts, if it has been stored. */
    public Optional<ConversationSummary> find(ConversationIdentity identity) {
        return read("find conversation", () -> db.execute().get(
                        summarySql("WHERE c.kind = ? AND coalesce(c.external_key, '') = ? AND c.archived = 0"),
                        identity.kind().dbValue(), identity.key().orElse(""))
                .map(ConversationStore::summary));
    }

    /** Role and content hash of every live message, oldest first (for aligning a client's history). */
    public List<MessageKey> liveBranch(long conversationId) {
        return read("read conversation branch", () -> {
            try (Stream<DbRow> rows = db.execute().query(
                    "SELECT id, role, content_hash FROM messages INDEXED BY messages_live WHERE conversation_id = ? AND "
                            + LIVE + " ORDER BY id",
                    conversationId)) {
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
        return read("load context window", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("window", WINDOW_SQL)
                    .params(conversationId, beforeId.orElse(Long.MAX_VALUE), limit).execute()) {
                return oldestFirst(rows);
            }
        });
    }

    /** The newest {@code limit} live messages of the live conversation with this identity, oldest first. */
    public List<LlmMessage> window(ConversationIdentity identity, int limit) {
        return read("load context window", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("window-by-identity", WINDOW_BY_IDENTITY_SQL)
                    .params(identity.kind().dbValue(), identity.key().orElse(""), limit).execute()) {
                return oldestFirst(rows);
            }
        });
    }

    private static List<LlmMessage> oldestFirst(Stream<DbRow> newestFirst) {
        List<LlmMessage> messages = new ArrayList<>(newestFirst
                .map(row -> new LlmMessage(role(row), row.column("content").get(String.class)))
                .toList());
        Collections.reverse(messages);
        return messages;
    }

    /**
     * Writes one exchange in one transaction: creates the conversation when new, moves superseded messages off the
     * live branch, appends the messages.
     *
     * @return the conversation's id
     */
    public long commit(Exchange exchange) {
        return write("store the exchange", writer -> {
            long now = clock.millis();
            long conversationId = ensureConversation(writer, exchange.identity(), now);
            if (exchange.supersedeFrom().isPresent()) {
                writer.update("UPDATE messages SET status = 'superseded' WHERE conversation_id = ? AND id >= ? AND " + LIVE,
                              conversationId, exchange.supersedeFrom().getAsLong());
            }
            for (NewMessage message : exchange.messages()) {
                writer.update("""
                                      INSERT INTO messages (conversation_id, role, content, content_hash, status, model,
                                                            finish_reason, input_tokens, output_tokens, error, created_at)
                                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                              conversationId,
                              message.role() == LlmMessage.Role.USER ? "user" : "assistant",
                              message.content(),
                              ContentHash.of(message.content()),
                              message.status().dbValue(),
                              message.model().orElse(null),
                              message.finishReason().orElse(null),
                              message.usage().map(u -> (Object) u.inputTokens()).orElse(null),
                              message.usage().map(u -> (Object) u.outputTokens()).orElse(null),
                              message.error().orElse(null),
                              now);
            }
            Optional<String> title = exchange.messages().stream()
                    .filter(m -> m.role() == LlmMessage.Role.USER)
                    .findFirst()
                    .map(m -> title(m.content()))
                    .filter(t -> !t.isEmpty());
            writer.update("UPDATE conversations SET updated_at = ?, title = coalesce(title, ?) WHERE id = ?",
                          now, title.orElse(null), conversationId);
            return conversationId;
        });
    }

    private static long ensureConversation(SqliteWriter writer, ConversationIdentity identity, long now)
            throws SQLException {
        writer.update("""
                              INSERT INTO conversations (kind, external_key, created_at, updated_at) VALUES (?, ?, ?, ?)
                              ON CONFLICT DO NOTHING""",
                      identity.kind().dbValue(), identity.key().orElse(null), now, now);
        return writer.queryLong("SELECT id FROM conversations WHERE kind = ? AND coalesce(external_key, '') = ?"
                                        + " AND archived = 0",
                                identity.kind().dbValue(), identity.key().orElse(""))
                .orElseThrow(() -> new IllegalStateException("conversation " + identity + " vanished"));
    }

    // ---- management ----

    /** Conversations, most recently active first. */
    public List<ConversationSummary> list(int limit, int offset) {
        return read("list conversations", () -> {
            try (Stream<DbRow> rows = db.execute().query(
                    summarySql("") + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?", limit, offset)) {
                return rows.map(ConversationStore::summary).toList();
            }
        });
    }

    public Optional<ConversationSummary> get(long conversationId) {
        return read("read conversation", () -> db.execute()
                .get(summarySql("WHERE c.id = ?"), conversationId)
                .map(ConversationStore::summary));
    }

    /** Every stored message of a conversation (history included), oldest first, after message id {@code afterId}. */
    public List<StoredMessage> messages(long conversationId, long afterId, int limit) {
        return read("read messages", () -> {
            try (Stream<DbRow> rows = db.execute().query("""
                    SELECT id, role, content, status, model, finish_reason, input_tokens, output_tokens, error, created_at
                    FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?""",
                    conversationId, afterId, limit)) {
                return rows.map(ConversationStore::message).toList();
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
        long id = write("start a new conversation", writer -> {
            long now = clock.millis();
            writer.update("UPDATE conversations SET archived = 1, updated_at = ? WHERE kind = ?"
                                  + " AND coalesce(external_key, '') = ? AND archived = 0",
                          now, identity.kind().dbValue(), identity.key().orElse(""));
            return ensureConversation(writer, identity, now);
        });
        return get(id).orElseThrow();
    }

    /** Deletes a conversation and all its messages. */
    public boolean delete(long conversationId) {
        return write("delete the conversation", writer -> {
            writer.update("DELETE FROM messages WHERE conversation_id = ?", conversationId);
            return writer.update("DELETE FROM conversations WHERE id = ?", conversationId) > 0;
        });
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /**
     * Why writes fail, when the last one failed because of the environment (disk full, read-only, I/O error) and
     * none has succeeded since. Clears with the next successful write.
     */
    public Optional<String> writeProblem() {
        return writeProblem;
    }

    /** A cheap round trip for health checks. */
    public void ping() {
        read("ping the database", () -> db.execute().get("SELECT 1 AS one"));
    }

    /** A pragma's value as a pooled connection sees it (for start-up checks and tests). */
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
        writer.close();
        db.close();
    }

    // ---- plumbing ----

    private <T> T read(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw translate(what, e);
        }
    }

    private <T> T write(String what, SqliteWriter.Work<T> work) {
        StoreException failure;
        try {
            T result = writer.transaction(work);
            writeProblem = Optional.empty();
            return result;
        } catch (SQLException e) {
            failure = translate(what, new IllegalStateException(e.getMessage(), e));
        } catch (RuntimeException e) {
            failure = translate(what, e);
        }
        if (failure.unavailable()) {
            writeProblem = Optional.of(failure.getMessage());
        }
        throw failure;
    }

    /** Turns driver exceptions into a message an operator can act on. */
    static StoreException translate(String what, RuntimeException e) {
        if (e instanceof StoreException store) {
            return store;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException sqlite) {
                SQLiteErrorCode code = sqlite.getResultCode();
                String reason = switch (code.code & 0xFF) {
                    case 13 -> "the disk is full";                                // SQLITE_FULL
                    case 8 -> "the database is read-only";                        // SQLITE_READONLY
                    case 10 -> "disk I/O failed";                                 // SQLITE_IOERR
                    case 14 -> "the database file cannot be opened";              // SQLITE_CANTOPEN
                    case 5, 6 -> "the database is locked by another process";     // SQLITE_BUSY, SQLITE_LOCKED
                    case 11, 26 -> "the database file is corrupt";                // SQLITE_CORRUPT, SQLITE_NOTADB
                    default -> null;
                };
                if (reason != null) {
                    return new StoreException("Cannot " + what + ": " + reason, true, e);
                }
                return new StoreException("Cannot " + what + ": " + code.message, false, e);
            }
        }
        return new StoreException("Cannot " + what + ": " + e.getMessage(), false, e);
    }

    private static String summarySql(String where) {
        return """
                SELECT c.id, c.kind, c.external_key, c.title, c.archived, c.created_at, c.updated_at,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.%s) AS live_count
                FROM conversations c
                """.formatted(LIVE) + where;
    }

    private static ConversationSummary summary(DbRow row) {
        return new ConversationSummary(
                longOf(row, "id"),
                ConversationKind.fromDb(row.column("kind").get(String.class)),
                Optional.ofNullable(row.column("external_key").get(String.class)),
                Optional.ofNullable(row.column("title").get(String.class)),
                longOf(row, "archived") != 0,
                Instant.ofEpochMilli(longOf(row, "created_at")),
                Instant.ofEpochMilli(longOf(row, "updated_at")),
                (int) longOf(row, "message_count"),
                (int) longOf(row, "live_count"));
    }

    private static StoredMessage message(DbRow row) {
        return new StoredMessage(
                longOf(row, "id"),
                role(row),
                row.column("content").get(String.class),
                MessageStatus.fromDb(row.column("status").get(String.class)),
                Optional.ofNullable(row.column("model").get(String.class)),
                Optional.ofNullable(row.column("finish_reason").get(String.class)),
                optionalInt(row, "input_tokens"),
                optionalInt(row, "output_tokens"),
                Optional.ofNullable(row.column("error").get(String.class)),
                Instant.ofEpochMilli(longOf(row, "created_at")));
    }

    private static LlmMessage.Role role(DbRow row) {
        return "user".equals(row.column("role").get(String.class)) ? LlmMessage.Role.USER : LlmMessage.Role.ASSISTANT;
    }

    /** SQLite hands back Integer or Long depending on magnitude; read both. */
    private static long longOf(DbRow row, String column) {
        return row.column(column).get(Number.class).longValue();
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
