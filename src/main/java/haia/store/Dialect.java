package haia.store;

import java.sql.SQLException;
import java.util.Optional;

import io.helidon.dbclient.DbClient;

/**
 * What differs between the databases HAIA can run on, and nothing else: the store's queries, its write code and
 * the pipeline are the same for both. Adding a column is one migration file per dialect
 * ({@code db/migration/<dialect>/V<n>__<what>.sql}, same name in each folder) plus the store code that uses it.
 */
sealed interface Dialect permits SqliteDialect, PostgresDialect {

    /** {@code sqlite} or {@code postgresql}: the migration folder's name, and what {@code /health} reports. */
    String name();

    /** Where the data lives, for log lines: the file, or the server URL (which never holds a password). */
    String location();

    /** The database file, where there is one (SQLite). */
    default Optional<java.nio.file.Path> file() {
        return Optional.empty();
    }

    /** An index hint after a table name: SQLite's planner must be told, PostgreSQL's finds the index itself. */
    String indexedBy(String index);

    /**
     * Whether this process is the only writer of the database, so the store can keep what it read and wrote
     * ({@link WindowCache}): SQLite's file is one process's; a PostgreSQL server has replicas writing beside it.
     */
    default boolean soleWriter() {
        return false;
    }

    /** Who checkpoints the write-ahead log besides the database itself ({@link Checkpoints}: SQLite's, off the writer). */
    default Checkpoints checkpoints() {
        return Checkpoints.none();
    }

    /**
     * Whether the full-text index is brought up to date in batches after exchanges ({@link SearchIndex}, SQLite from
     * migration V11), rather than kept in step by the row's write itself (PostgreSQL's generated search column).
     */
    default boolean searchIndexedInBatches() {
        return false;
    }

    /**
     * The window of the live conversation with an identity in one round trip (parameters: kind, key, owner, limit;
     * columns: role, content, parts, live_before, the conversation's count of live messages, and conversation_id),
     * where this database walks the partial index of live messages for it; empty where it does not (then the store looks
     * the conversation up first and reads its window by id).
     */
    Optional<String> windowByIdentitySql(String live);

    /**
     * The full-text search of stored messages (migration V8), its parameters in {@link #searchParams}' order.
     * Columns: id, conversation_id, title, role, created_at, snippet (matched words between {@code **}), score
     * (higher is better); best first.
     */
    String searchSql();

    /**
     * The search's parameters as {@link #searchSql()} takes them: by default the {@link #matchQuery}, the
     * conversation twice (0: every conversation), whether only the owner's conversations are searched and that
     * owner, after and before (epoch milliseconds), the limit.
     */
    default Object[] searchParams(String match, long conversation, Optional<String> owner, long after, long before,
                                  int limit) {
        return new Object[] {match, conversation, conversation, owner.isPresent() ? 1 : 0, owner.orElse(""), after,
                             before, limit};
    }

    /**
     * A text's words as this database's full-text query, each one quoted (nothing typed is query syntax): all of the
     * words, or with {@code any} one of them; empty when the text has no words.
     */
    Optional<String> matchQuery(String text, boolean any);

    /** Opens the connection pool. */
    DbClient connect();

    /** The write path over that pool. */
    Writer writer(DbClient db);

    /** The write path migrations use at start, closed when they are done. */
    default Writer migrationWriter(DbClient db) {
        return writer(db);
    }

    /** Held while migrations run, so replicas starting together apply each migration once. */
    AutoCloseable migrationLock(DbClient db) throws SQLException;

    /** Per-conversation claims across processes ({@link ConversationLeases#NONE} where there is one process). */
    ConversationLeases leases(DbClient db);

    /** The pool's name, under which it publishes its statistics. */
    String poolName();

    /** Text as this database stores it; {@link #decode(String)} gives back exactly the original. */
    default String encode(String text) {
        return text;
    }

    default String decode(String stored) {
        return stored;
    }

    /** A driver failure as words an operator can act on; unavailable when the cause may clear by itself. */
    StoreException translate(String what, RuntimeException e);
}
