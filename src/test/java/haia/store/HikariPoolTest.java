package haia.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import haia.config.HaiaConfig;
import haia.testing.PostgresServer;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection pool each dialect hands to DbClient ({@link HikariPool}): the configured settings reach Hikari and
 * the driver, the pool publishes its statistics under its name, a request that cannot get a connection in time fails
 * with the driver's exception in its cause chain, and closing the DbClient (as closing the store does) closes the pool.
 * On a real SQLite file and a real PostgreSQL server.
 */
class HikariPoolTest {

    private static final HaiaConfig.Store.Pool POOL = new HaiaConfig.Store.Pool(3, Duration.ofMillis(300),
                                                                                Duration.ofSeconds(30),
                                                                                Duration.ofSeconds(30));
    @TempDir
    Path dir;

    @Test
    void sqlitePoolHasTheSettingsAndClosesWithTheClient() throws Exception {
        SqliteDialect dialect = new SqliteDialect(dir.resolve("haia.db"), OptionalLong.empty(), POOL);
        DbClient db = dialect.connect();
        try {
            assertEquals("jdbc:sqlite", db.dbType());
            try (Connection connection = db.unwrap(Connection.class);
                 var rows = connection.createStatement().executeQuery("PRAGMA journal_mode")) {
                rows.next();
                assertEquals("wal", rows.getString(1), "the URL's pragmas reach every pooled connection");
            }
            PoolStats stats = PoolStats.read(dialect.poolName()).orElseThrow();
            assertEquals(3, stats.max());
        } finally {
            db.close();
        }
        assertEquals(Optional.empty(), PoolStats.read(dialect.poolName()), "closing the client closed the pool");
        assertThrows(RuntimeException.class, () -> db.unwrap(Connection.class));
    }

    @Test
    void postgresPoolPassesTheDriverSettings() throws Exception {
        HaiaConfig.Store config = PostgresServer.shared().newDatabase().store(POOL);
        PostgresDialect dialect = new PostgresDialect(config.server().orElseThrow(), POOL);
        DbClient db = dialect.connect();
        try {
            assertEquals("jdbc:postgresql", db.dbType());
            try (Connection connection = db.unwrap(Connection.class);
                 var rows = connection.createStatement().executeQuery(
                         "SELECT current_setting('plan_cache_mode'), current_setting('application_name')")) {
                rows.next();
                assertEquals(PostgresDialect.PLAN_CACHE_MODE, rows.getString(1));
                assertEquals("haia", rows.getString(2));
            }
            assertEquals(3, PoolStats.read(dialect.poolName()).orElseThrow().max());
        } finally {
            db.close();
        }
        assertEquals(Optional.empty(), PoolStats.read(dialect.poolName()), "closing the client closed the pool");
    }

    @Test
    void waitingPastTheConnectTimeoutFailsWithTheDriversException() throws Exception {
        SqliteDialect dialect = new SqliteDialect(dir.resolve("haia.db"), OptionalLong.empty(), POOL);
        DbClient db = dialect.connect();
        try (Connection a = db.unwrap(Connection.class);
             Connection b = db.unwrap(Connection.class);
             Connection c = db.unwrap(Connection.class)) {
            assertEquals(3, PoolStats.read(dialect.poolName()).orElseThrow().active());
            long start = System.nanoTime();
            DbClientException e = assertThrows(DbClientException.class, () -> db.unwrap(Connection.class));
            long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertInstanceOf(SQLTransientConnectionException.class, e.getCause());
            assertTrue(waited >= 250 && waited < 5_000, "waited the pool's connect timeout: " + waited + " ms");
        } finally {
            db.close();
        }
    }

    @Test
    void theStoreClosesItsPool() {
        ConversationStore store = ConversationStore.open(
                new HaiaConfig.Store(dir.resolve("haia.db"), OptionalLong.empty(), Optional.empty(), POOL),
                java.time.Clock.systemUTC());
        assertEquals(3, store.poolStats().orElseThrow().max());
        store.close();
        assertEquals(Optional.empty(), store.poolStats());
    }

    @Test
    void dbTypeIsTheUrlUpToItsSecondColon() {
        assertEquals("jdbc:sqlite", HikariPool.dbType("jdbc:sqlite:/var/lib/haia/haia.db?journal_mode=WAL"));
        assertEquals("jdbc:postgresql", HikariPool.dbType("jdbc:postgresql://db:5432/haia"));
        assertEquals("jdbc", HikariPool.dbType("nonsense"));
    }
}
