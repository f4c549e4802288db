package haia.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import haia.config.HaiaConfig;

import io.helidon.dbclient.DbClient;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * SQLite, the embedded default: one file, one process. Reads run in parallel on pooled connections (WAL mode lets
 * readers and the writer overlap); SQLite has a single writer, so every write goes through one {@link SqliteWriter}.
 * Requests on one conversation are serialized inside the process, which is all there is.
 */
final class SqliteDialect implements Dialect {

    private static final System.Logger LOG = System.getLogger(SqliteDialect.class.getName());
    /** SQLite's default page size, which HAIA keeps. */
    private static final long PAGE_SIZE = 4096;
    /** Pools publish statistics by name: each store in a JVM (tests start many) gets its own. */
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Path file;
    private final OptionalLong maxBytes;
    private final HaiaConfig.Store.Pool pool;
    private final String poolName = "haia-sqlite-" + POOLS.incrementAndGet();

    SqliteDialect(Path dbPath, OptionalLong maxBytes, HaiaConfig.Store.Pool pool) {
        this.file = dbPath.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.pool = pool;
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String location() {
        return file.toString();
    }

    @Override
    public Optional<Path> file() {
        return Optional.of(file);
    }

    /** One file, one process (the class comment): every write passes through this process's store. */
    @Override
    public boolean soleWriter() {
        return true;
    }

    /** FTS5 writes a segment per transaction: batches of messages write far fewer pages than one per exchange. */
    @Override
    public boolean searchIndexedInBatches() {
        return true;
    }

    @Override
    public String indexedBy(String index) {
        return " INDEXED BY " + index;
    }

    /** A join, with the index pinned: SQLite's planner then finds the conversation first and walks its messages. */
    @Override
    public Optional<String> windowByIdentitySql(String live) {
        return Optional.of("SELECT m.role, m.content, m.parts, c.live_count AS live_before, c.id AS conversation_id"
                + " FROM conversations c"
                + " JOIN messages m INDEXED BY messages_by_conversation ON m.conversation_id = c.id"
                + " WHERE c.kind = ? AND coalesce(c.external_key, '') = ? AND c.owner = ? AND c.archived = 0 AND m." + live
                + " ORDER BY m.id DESC LIMIT ?");
    }

    /**
     * FTS5 ranked by bm25 (lower is better there: negated), the snippet from the index's own tokens. The newest
     * {@value MessageSearch#CANDIDATES} matches are ranked (the index walks its rowids backwards and stops): a word
     * in a third of a million messages is ranked in milliseconds, not seconds.
     */
    @Override
    public String searchSql() {
        return """
                WITH recent AS (
                    SELECT m.id, m.conversation_id, m.role, m.created_at, bm25(messages_fts) AS rank,
                           snippet(messages_fts, 0, '**', '**', '…', 24) AS snippet
                    FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
                    WHERE messages_fts MATCH ? AND (? = 0 OR m.conversation_id = ?)
                          AND (? = 0 OR m.conversation_id IN (SELECT id FROM conversations WHERE owner = ?))
                          AND m.created_at >= ? AND m.created_at < ?
                    ORDER BY messages_fts.rowid DESC LIMIT %d)
                SELECT r.id, r.conversation_id, c.title, r.role, r.created_at, r.snippet, -r.rank AS score
                FROM recent r JOIN conversations c ON c.id = r.conversation_id
                ORDER BY r.rank LIMIT ?""".formatted(MessageSearch.CANDIDATES);
    }

    /** Each word an FTS5 string ({@code "pve2"}): no operator, column filter or prefix a user typed is read as one. */
    @Override
    public Optional<String> matchQuery(String text, boolean any) {
        List<String> words = MessageSearch.queryWords(text);
        if (words.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(String.join(any ? " OR " : " AND ",
                                       words.stream().map(w -> '"' + w.replace("\"", "\"\"") + '"').toList()));
    }

    @Override
    public String poolName() {
        return poolName;
    }

    /**
     * Opens (creating when missing) the file. A new folder and file are readable by the owner only: they hold
     * someone's whole troubleshooting history.
     */
    @Override
    public DbClient connect() {
        prepareFile(file);
        return HikariPool.open(HikariPool.settings(poolName, url(), pool));
    }

    private String url() {
        // Pragmas as connection properties, so every connection (pooled, and the writer's) gets them: WAL (readers never block the
        // writer), NORMAL sync (durable across process crashes; WAL makes it safe), a busy timeout for other
        // processes reading the file, foreign keys for ON DELETE CASCADE, IMMEDIATE transactions (take the write
        // lock up front instead of failing on upgrade), and secure_delete so deleted conversations are overwritten.
        return "jdbc:sqlite:" + file
                + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=10000&foreign_keys=true"
                + "&transaction_mode=IMMEDIATE&secure_delete=true"
                // HAIA never asks for generated keys; without this the driver queries them after every insert
                + "&jdbc.get_generated_keys=false"
                + (maxBytes.isPresent() ? "&max_page_count=" + Math.max(16, maxBytes.getAsLong() / PAGE_SIZE) : "");
    }

    /** The writer's connection is its own, outside the pool (see {@link SqliteWriter}: read-only recovery). */
    @Override
    public Writer writer(DbClient db) {
        return new SqliteWriter(() -> {
            java.sql.Connection connection = connection("open the database for writing");
            try (java.sql.Statement statement = connection.createStatement()) {
                // the checkpoints are the checkpointer's; the writer's own only when the log outgrows it
                statement.execute("PRAGMA wal_autocheckpoint = " + Checkpoints.WRITER_PAGES);
                return connection;
            } catch (SQLException e) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // failing anyway
                }
                throw translate("open the database for writing", new IllegalStateException(e.getMessage(), e));
            }
        });
    }

    /** WAL checkpoints on a connection of their own, outside the writer's lock. */
    @Override
    public Checkpoints checkpoints() {
        return Checkpoints.background(() -> connection("open the database for checkpoints"));
    }

    /** A connection of its own, outside the pool (the writer's, the checkpointer's). */
    private java.sql.Connection connection(String what) {
        try {
            return DriverManager.getConnection(url());
        } catch (SQLException e) {
            throw translate(what, new IllegalStateException(e.getMessage(), e));
        }
    }

    /**
     * Migrations write on a pooled connection, given back afterwards. Not on a connection of their own: SQLite
     * keeps the file descriptor of a closed connection for the next one that opens the file, so the writer's first
     * connection would inherit a read-write handle even if the volume had become read-only since.
     */
    @Override
    public Writer migrationWriter(DbClient db) {
        return new SqliteWriter(() -> db.unwrap(java.sql.Connection.class));
    }

    /** Each migration's {@code BEGIN IMMEDIATE} already serializes writers on the file. */
    @Override
    public AutoCloseable migrationLock(DbClient db) {
        return () -> { };
    }

    /** One process per file: the pipeline's in-process lock is the whole serialization. */
    @Override
    public ConversationLeases leases(DbClient db) {
        return ConversationLeases.NONE;
    }

    @Override
    public StoreException translate(String what, RuntimeException e) {
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
}
