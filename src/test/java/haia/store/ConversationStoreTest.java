package haia.store;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import haia.testing.StoreBackend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Opening the database: where and how it is created, and how its connections are set up. */
class ConversationStoreTest extends StoreTestCase {

    @Test
    void createsFolderAndFileForTheOwnerOnly() throws Exception {
        assumeTrue(backend == StoreBackend.SQLITE, "a file of its own: SQLite");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    }

    @Test
    void connectionsRunWithWalForeignKeysAndABusyTimeout() throws Exception {
        assumeTrue(backend == StoreBackend.SQLITE, "SQLite's pragmas");
        exchange(ConversationIdentity.DEFAULT, "q", "a");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            ResultSet mode = s.executeQuery("PRAGMA journal_mode");
            mode.next();
            assertEquals("wal", mode.getString(1), "WAL is a property of the file");
            ResultSet version = s.executeQuery("SELECT max(version) FROM schema_version");
            version.next();
            assertEquals(Migrations.latest(), version.getInt(1));
        }
        // per-connection pragmas, read through the store's own pool
        assertEquals(1L, store.pragma("foreign_keys"));
        assertEquals(10000L, store.pragma("busy_timeout"));
        assertEquals(1L, store.pragma("synchronous"), "NORMAL");
        assertEquals(1L, store.pragma("secure_delete"));
    }
}
