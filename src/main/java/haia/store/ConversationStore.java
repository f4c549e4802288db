package haia.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;

import haia.config.HaiaConfig;

import io.helidon.dbclient.DbClient;

/**
 * HAIA's database, opened: SQLite (the embedded default) or PostgreSQL (several replicas on one server), migrated,
 * with its parts ({@link #windows()}, {@link #exchanges()}, {@link #conversations()}, {@link #ledger()},
 * {@link #findings()}, {@link #responses()}) built on it.
 * It opens and closes the database and says how it is (dialect, location, pool, whether writes fail); what is read
 * and written is the parts' (see the package documentation).
 */
public final class ConversationStore implements AutoCloseable {

    private final Dialect dialect;
    private final DbClient db;
    private final Writer writer;
    private final ConversationLeases leases;
    private final Database database;
    private final WindowReads windows;
    private final Exchanges exchanges;
    private final ConversationQueries conversations;
    private final Ledger ledger;
    private final SearchIndex searchIndex;
    private final MessageSearch search;
    private final Notes notes;
    private final ResponseStore responses;
    private final FindingStore findings;

    private ConversationStore(Dialect dialect, DbClient db, Writer writer, ConversationLeases leases, Clock clock) {
        this.dialect = dialect;
        this.db = db;
        this.writer = writer;
        this.leases = leases;
        this.database = new Database(dialect, db, writer, clock);
        this.windows = new WindowReads(database);
        this.searchIndex = dialect.searchIndexedInBatches() ? SearchIndex.inBatches(database) : SearchIndex.none();
        this.exchanges = new Exchanges(database, leases, searchIndex);
        this.conversations = new ConversationQueries(database);
        this.ledger = new Ledger(database);
        this.search = new MessageSearch(database, searchIndex);
        this.notes = new Notes(database);
        this.responses = new ResponseStore(database, conversations);
        this.findings = new FindingStore(database);
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

    /** The connection pool's current state, when the pool publishes it. */
    public Optional<PoolStats> poolStats() {
        return PoolStats.read(dialect.poolName());
    }

    /** The reads of the request path: which conversation, its live branch, the context window, its pictures. */
    public WindowReads windows() {
        return windows;
    }

    /** The write of the request path: one exchange in one transaction. */
    public Exchanges exchanges() {
        return exchanges;
    }

    /** The conversation API's queries. */
    public ConversationQueries conversations() {
        return conversations;
    }

    /** The usage ledger of billed model calls. */
    public Notes notes() {
        return notes;
    }

    public MessageSearch search() {
        return search;
    }

    public Ledger ledger() {
        return ledger;
    }

    /** The Responses API's stored responses, which are exchanges of this store's conversations. */
    public ResponseStore responses() {
        return responses;
    }

    /** The watch's findings and their investigations. */
    public FindingStore findings() {
        return findings;
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
        return database.writeProblem();
    }

    /** A cheap round trip for health checks. */
    public void ping() {
        database.read("ping the database", () -> db.execute().get("SELECT 1 AS one"));
    }

    /** A SQLite pragma's value as a pooled connection sees it (for start-up checks and tests). */
    long pragma(String name) {
        if (!name.matches("[a-z_]+")) {
            throw new IllegalArgumentException("not a pragma name: " + name);
        }
        return database.read("read pragma " + name, () -> db.execute().get("PRAGMA " + name)
                .map(row -> row.column(1).get(Number.class).longValue())
                .orElseThrow());
    }

    @Override
    public void close() {
        leases.close();
        searchIndex.close();   // indexes what is left while the writer is still open
        database.checkpoints.close();
        writer.close();
        db.close();
    }
}
