package haia.store;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;

import haia.llm.LlmMessage;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/**
 * A part of the store: the SQL of one concern ({@link WindowReads}, {@link Exchanges}, {@link ConversationQueries},
 * {@link Ledger}, {@link FindingStore}, {@link ResponseStore}) on the one {@link Database}, with the row readers and schema facts the parts
 * share.
 */
abstract class StorePart {

    static final String LIVE = "status IN ('ok', 'imported')";
    static final String FIND_ID_SQL =
            "SELECT id FROM conversations WHERE kind = ? AND coalesce(external_key, '') = ? AND owner = ? AND archived = 0";

    final Database database;
    final Dialect dialect;
    final DbClient db;
    final Clock clock;

    StorePart(Database database) {
        this.database = database;
        this.dialect = database.dialect;
        this.db = database.db;
        this.clock = database.clock;
    }

    <T> T read(String what, Supplier<T> action) {
        return database.read(what, action);
    }

    <T> T write(String what, Writer.Work<T> work) {
        return database.write(what, work);
    }

    <T> T write(String what, Database.Transaction<T> transaction, Writer.Work<T> work) {
        return database.write(what, transaction, work);
    }

    /**
     * The live conversation's id, creating it when missing. Looked up first: it exists for all but a
     * conversation's first request, and an insert that conflicts would still use up an id on PostgreSQL.
     */
    static long ensureConversation(Writer.Tx tx, ConversationIdentity identity, long now)
            throws SQLException {
        OptionalLong existing = tx.queryLong(FIND_ID_SQL, identity.kind().dbValue(), identity.key().orElse(""),
                                              identity.owner());
        if (existing.isPresent()) {
            return existing.getAsLong();
        }
        tx.update("""
                          INSERT INTO conversations (kind, external_key, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                          ON CONFLICT DO NOTHING""",
                  identity.kind().dbValue(), identity.key().orElse(null), identity.owner(), now, now);
        return tx.queryLong(FIND_ID_SQL, identity.kind().dbValue(), identity.key().orElse(""), identity.owner())
                .orElseThrow(() -> new IllegalStateException("conversation " + identity + " vanished"));
    }

    static LlmMessage.Role role(DbRow row) {
        return role(row.column("role").get(String.class));
    }

    /** A stored role: only the user's and HAIA's turns are messages ({@code user}, {@code assistant}). */
    static LlmMessage.Role role(String stored) {
        return "user".equals(stored) ? LlmMessage.Role.USER : LlmMessage.Role.ASSISTANT;
    }

    /** Text the user or the model wrote, exactly as it was (see {@link Dialect#decode(String)}). */
    String text(DbRow row, String column) {
        return dialect.decode(row.column(column).get(String.class));
    }

    /** SQLite hands back Integer or Long depending on magnitude, PostgreSQL per column type; read both. */
    static long longOf(DbRow row, String column) {
        return row.column(column).get(Number.class).longValue();
    }

    static OptionalLong optionalLong(DbRow row, String column) {
        Number value = row.column(column).get(Number.class);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value.longValue());
    }

    /** An exact sum: SQLite returns a long (or NULL for none), PostgreSQL a numeric for sums of BIGINT. */
    static BigDecimal decimal(DbRow row, String column) {
        Number value = row.column(column).get(Number.class);
        return switch (value) {
            case null -> BigDecimal.ZERO;
            case BigDecimal exact -> exact;
            case java.math.BigInteger big -> new BigDecimal(big);
            default -> BigDecimal.valueOf(value.longValue());
        };
    }

    static OptionalInt optionalInt(DbRow row, String column) {
        Number value = row.column(column).get(Number.class);
        return value == null ? OptionalInt.empty() : OptionalInt.of(value.intValue());
    }
}
