package haia.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import haia.config.HaiaConfig;

import io.helidon.dbclient.DbClient;

import com.zaxxer.hikari.HikariConfig;

/**
 * A PostgreSQL server that several HAIA replicas share. Reads and writes use pooled connections, one short
 * transaction at a time each; requests on one conversation are serialized across replicas by
 * {@link PostgresLeases}; migrations run under an advisory lock.
 */
final class PostgresDialect implements Dialect {

    /** The advisory lock migrations run under ("HAIA" and 1): one constant every replica agrees on. */
    static final long MIGRATION_LOCK = 0x4841494100000001L;
    /**
     * PostgreSQL's {@code text} cannot hold the NUL character, which HAIA stores byte-exactly elsewhere. It is
     * written as this noncharacter followed by '0', and the noncharacter itself as itself followed by '1', so every
     * text (these two characters included) comes back exactly.
     */
    private static final char ESCAPE = '\uFFFF';
    private static final AtomicInteger POOLS = new AtomicInteger();
    /**
     * Plan every statement with its values. The driver prepares repeated statements on the server, and after five
     * runs PostgreSQL may switch to a generic plan, which assumes every conversation holds an equal share of the
     * messages: with few conversations it then walks all messages by id instead of one conversation's live ones,
     * a scan for a new conversation beside a long one. Planning HAIA's short queries costs about 0.1 ms.
     */
    static final String PLAN_CACHE_MODE = "force_custom_plan";

    private final HaiaConfig.Store.Server server;
    private final HaiaConfig.Store.Pool pool;
    private final String poolName = "haia-postgresql-" + POOLS.incrementAndGet();

    PostgresDialect(HaiaConfig.Store.Server server, HaiaConfig.Store.Pool pool) {
        this.server = server;
        this.pool = pool;
    }

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public String location() {
        return server.url();
    }

    @Override
    public String indexedBy(String index) {
        return "";
    }

    /**
     * None: PostgreSQL has no index hints, and for a join (or a subquery) its planner cannot know which
     * conversation it will read, so it assumes an average one (see {@link #PLAN_CACHE_MODE}) and may walk all
     * messages by id. Looked up by id first, the window's statement names the conversation and walks its live
     * messages (checked in WindowReadsTest).
     */
    @Override
    public Optional<String> windowByIdentitySql(String live) {
        return Optional.empty();
    }

    /**
     * websearch_to_tsquery (never a syntax error) with the 'english' configuration of the generated column, the
     * newest {@value MessageSearch#CANDIDATES} matches ranked with ts_rank; ts_headline runs on the hits only, after
     * the limit (it reads the whole text).
     */
    @Override
    public String searchSql() {
        // The newest matches, found two ways, because the planner's estimate of "all of these words" assumes they are
        // independent and is often off a hundredfold (EXPLAIN ANALYZE of bin/bench memory's queries: 3,076 rows
        // estimated, 55,555 found). The newest RECENT_WALK messages are walked backwards along the primary key: the
        // match is written "(...) IS TRUE", which no index serves, so the planner cannot swap the walk for a bitmap of
        // every match in the table (90-150 ms for a common pair of words). The tsquery is written out, not read from a
        // CTE, so the planner sees it. Only when the walk finds fewer than CANDIDATES matches, the older ones come
        // from the GIN index as a bitmap; "id + 0" in that branch keeps the planner from walking the key (words each
        // common but never together would walk every row) and from intersecting the bitmap with one of the key's
        // (950,000 ids read to skip the 20,000 newest, 28 ms).
        String filters = """
                      AND (? = 0 OR m.conversation_id = ?)
                      AND (? = 0 OR m.conversation_id IN (SELECT id FROM conversations WHERE owner = ?))
                      AND m.created_at >= ? AND m.created_at < ?""";
        String newest = "(SELECT max(id) - " + RECENT_WALK + " FROM messages)";
        return """
                WITH recent AS (SELECT * FROM ((SELECT m.id, m.search FROM messages m
                                                WHERE (m.search @@ websearch_to_tsquery('english', ?)) IS TRUE
                                                %1$s AND m.id > %2$s ORDER BY m.id DESC LIMIT %3$d)
                                               UNION ALL
                                               (SELECT m.id, m.search FROM messages m
                                                WHERE m.search @@ websearch_to_tsquery('english', ?)
                                                %1$s AND m.id + 0 <= %2$s ORDER BY m.id + 0 DESC LIMIT %3$d)) both_ways
                                LIMIT %3$d),
                     hit AS (SELECT id, ts_rank(search, websearch_to_tsquery('english', ?)) AS score FROM recent
                             ORDER BY score DESC, id DESC LIMIT ?)
                SELECT m.id, m.conversation_id, c.title, m.role, m.created_at, hit.score,
                       ts_headline('english', m.content, websearch_to_tsquery('english', ?), 'StartSel="**", \
                StopSel="**", MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
                FROM hit JOIN messages m ON m.id = hit.id JOIN conversations c ON c.id = m.conversation_id
                ORDER BY hit.score DESC, m.id DESC""".formatted(filters, newest, MessageSearch.CANDIDATES);
    }

    /**
     * How many of the newest messages the search walks along the primary key before it asks the index: about 4 ms.
     * A larger walk costs more on every search that reaches past it; a smaller one sends more searches to the bitmap
     * of older matches, whose cost grows with their number. On bin/bench memory's queries over 1,000,000 messages,
     * p99 in psql: 20,000 walked 32-34 ms, 30,000 39-40 ms, 50,000 41-43 ms, 100,000 48-50 ms.
     */
    static final int RECENT_WALK = 20_000;

    /** The match's filters twice (the newest messages, the older ones), then where it is ranked and quoted. */
    @Override
    public Object[] searchParams(String match, long conversation, Optional<String> owner, long after, long before,
                                 int limit) {
        Object[] once = Dialect.super.searchParams(match, conversation, owner, after, before, limit);
        int filters = once.length - 1;   // all but the limit
        Object[] params = new Object[filters * 2 + 3];
        System.arraycopy(once, 0, params, 0, filters);
        System.arraycopy(once, 0, params, filters, filters);
        params[filters * 2] = match;
        params[filters * 2 + 1] = limit;
        params[filters * 2 + 2] = match;
        return params;
    }

    /** The words, for websearch_to_tsquery: space (all) or {@code or} (any) between them, nothing else it reads. */
    @Override
    public Optional<String> matchQuery(String text, boolean any) {
        List<String> words = MessageSearch.queryWords(text);
        return words.isEmpty() ? Optional.empty() : Optional.of(String.join(any ? " or " : " ", words));
    }

    @Override
    public String poolName() {
        return poolName;
    }

    @Override
    public DbClient connect() {
        HikariConfig settings = HikariPool.settings(poolName, server.url(), pool);
        server.user().ifPresent(settings::setUsername);
        server.password().ifPresent(password -> settings.setPassword(password.reveal()));
        settings.setValidationTimeout(Math.min(settings.getConnectionTimeout(), 5000));
        // driver settings: a server that vanished without closing the connection (a pulled cable, a frozen VM)
        // ends in an error after these, instead of a request that hangs
        settings.addDataSourceProperty("connectTimeout", Long.toString(seconds(pool.connectTimeout())));
        settings.addDataSourceProperty("socketTimeout", Long.toString(seconds(pool.queryTimeout())));
        settings.addDataSourceProperty("tcpKeepAlive", "true");
        settings.addDataSourceProperty("ApplicationName", "haia");
        settings.addDataSourceProperty("options", "-c plan_cache_mode=" + PLAN_CACHE_MODE);
        return HikariPool.open(settings);
    }

    private static long seconds(java.time.Duration duration) {
        return Math.max(1, (duration.toMillis() + 999) / 1000);
    }

    @Override
    public Writer writer(DbClient db) {
        // an answered exchange's write waits for the server as long as the conversation's lease lasts
        return new PostgresWriter(() -> db.unwrap(Connection.class), pool.leaseTtl());
    }

    /**
     * A session-level advisory lock on a connection of its own, held while migrations run on others: a replica
     * that starts while another migrates waits, then finds the migrations applied.
     */
    @Override
    public AutoCloseable migrationLock(DbClient db) throws SQLException {
        Connection connection = db.unwrap(Connection.class);
        try (Statement lock = connection.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return () -> {
            try (connection; Statement unlock = connection.createStatement()) {
                unlock.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        };
    }

    @Override
    public ConversationLeases leases(DbClient db) {
        return new PostgresLeases(() -> db.unwrap(Connection.class), pool.leaseTtl(), this);
    }

    @Override
    public String encode(String text) {
        if (text == null || (text.indexOf('\u0000') < 0 && text.indexOf(ESCAPE) < 0)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                out.append(ESCAPE).append('0');
            } else if (c == ESCAPE) {
                out.append(ESCAPE).append('1');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String decode(String stored) {
        if (stored == null || stored.indexOf(ESCAPE) < 0) {
            return stored;
        }
        StringBuilder out = new StringBuilder(stored.length());
        for (int i = 0; i < stored.length(); i++) {
            char c = stored.charAt(i);
            if (c == ESCAPE && i + 1 < stored.length()) {
                out.append(stored.charAt(++i) == '0' ? '\u0000' : ESCAPE);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * By SQLSTATE class: the server unreachable, restarting, out of disk or read-only are the environment's and
     * clear by themselves (503, and HAIA recovers with them); anything else is a fault (500). Messages name the
     * server by its URL, which holds no password.
     */
    @Override
    public StoreException translate(String what, RuntimeException e) {
        if (e instanceof StoreException store) {
            return store;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState() == null ? "" : sql.getSQLState();
                String reason = reason(sql, state);
                if (reason != null) {
                    return new StoreException("Cannot " + what + ": " + reason, true, e);
                }
                if (!state.isEmpty()) {
                    return new StoreException("Cannot " + what + ": " + sql.getMessage(), false, e);
                }
            }
        }
        return new StoreException("Cannot " + what + ": " + e.getMessage(), false, e);
    }

    /**
     * Whether a failure is the server being away for now (unreachable, a connection that broke, shutting down or
     * starting, out of connection slots, the pool timing out waiting for one): worth trying again in a moment.
     */
    static boolean connectionLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                return state.startsWith("08") || state.startsWith("57P") || state.equals("53300");
            }
        }
        return false;
    }

    private String reason(SQLException sql, String state) {
        if (sql instanceof SQLTransientConnectionException || state.startsWith("08")) {
            return "the PostgreSQL server at " + server.url() + " cannot be reached";
        }
        if (state.startsWith("57P") || state.equals("53300")) {           // shutting down, starting, too many clients
            return "the PostgreSQL server at " + server.url() + " is not accepting connections right now";
        }
        if (state.equals("53100")) {
            return "the PostgreSQL server's disk is full";
        }
        if (state.equals("25006")) {
            return "the PostgreSQL server is read-only (a standby?)";
        }
        if (state.startsWith("28")) {
            return "PostgreSQL refused HAIA's login (check HAIA_DB_USER and HAIA_DB_PASSWORD)";
        }
        return null;
    }
}
