package haia.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQLite's writer on a real file: writes that queue while one is committed share a transaction (a group commit),
 * each caller gets its own result, and a work that fails fails alone while the others of its group are kept.
 */
class SqliteWriterTest {

    @TempDir
    Path dir;

    private String url() {
        return "jdbc:sqlite:" + dir.resolve("w.db") + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=10000";
    }

    private SqliteWriter writer() {
        return new SqliteWriter(() -> {
            try {
                return DriverManager.getConnection(url());
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private List<String> names() throws SQLException {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT name FROM t ORDER BY name")) {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            return names;
        }
    }

    private static void awaitRelease(CountDownLatch release) {
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Twenty writes queued while a first one holds the file (their names in order; "first" collides with the first's
     * row): their results, in order.
     */
    private static List<Future<Long>> queueBehindABusyWriter(SqliteWriter writer, ExecutorService threads,
                                                             List<String> names) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Integer> first = threads.submit(() -> writer.transaction(tx -> {
            holding.countDown();
            awaitRelease(release);   // the file is busy: the others queue behind this one
            return tx.update("INSERT OR IGNORE INTO t (name) VALUES ('first')");
        }));
        assertTrue(holding.await(10, TimeUnit.SECONDS));
        List<Future<Long>> queued = new ArrayList<>();
        for (String name : names) {
            queued.add(threads.submit(() -> writer.transaction(tx -> {
                tx.update("INSERT INTO t (name) VALUES (?)", name);
                return tx.queryLong("SELECT rowid FROM t WHERE name = ?", name).orElseThrow();
            })));
        }
        Thread.sleep(300);   // let them all queue up
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        return queued;
    }

    private static List<String> vms(int from, int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("vm-" + (from + i));
        }
        return names;
    }

    @Test
    void queuedWritesShareATransactionEachWithItsOwnResult() throws Exception {
        try (SqliteWriter writer = writer(); ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            writer.transaction(tx -> tx.update("CREATE TABLE t (name TEXT PRIMARY KEY)"));
            long before = writer.transactions();
            List<Long> ids = new ArrayList<>();
            for (Future<Long> result : queueBehindABusyWriter(writer, threads, vms(100, 20))) {
                ids.add(result.get(10, TimeUnit.SECONDS));
            }
            assertEquals(20, ids.stream().distinct().count(), "each caller got its own row's id");
            assertEquals(21, names().size());
            long transactions = writer.transactions() - before;
            assertTrue(transactions < 10, "21 writes in " + transactions + " transactions");
        }
    }

    @Test
    void aFailedWorkFailsAloneAndTheOthersOfItsGroupAreCommitted() throws Exception {
        try (SqliteWriter writer = writer(); ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            writer.transaction(tx -> tx.update("CREATE TABLE t (name TEXT PRIMARY KEY)"));
            List<String> names = vms(100, 20);
            names.set(7, "first");   // collides with the first's row
            List<Future<Long>> queued = queueBehindABusyWriter(writer, threads, names);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < queued.size(); i++) {
                Future<Long> result = queued.get(i);
                if (i == 7) {
                    Exception e = assertThrows(Exception.class, () -> result.get(10, TimeUnit.SECONDS));
                    assertTrue(e.getCause() instanceof SQLException && e.getCause().getMessage().contains("UNIQUE"),
                               String.valueOf(e.getCause()));
                } else {
                    ids.add(result.get(10, TimeUnit.SECONDS));
                }
            }
            assertEquals(19, ids.stream().distinct().count(), "each caller got its own row's id");
            List<String> stored = names();
            assertEquals(20, stored.size(), stored.toString());
            assertTrue(stored.contains("first") && stored.contains("vm-119") && !stored.contains("vm-107"));
            try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT count(*) FROM t WHERE name LIKE 'vm-%'")) {
                rows.next();
                assertEquals(19, rows.getInt(1), "each kept write once, though its group ran it twice");
            }

            // and alone, a failure is the caller's and the writer goes on
            assertThrows(SQLException.class, () -> writer.transaction(tx -> tx.update("INSERT INTO nope VALUES (1)")));
            int inserted = writer.transaction(tx -> tx.update("INSERT INTO t (name) VALUES ('after')"));
            assertEquals(1, inserted);
        }
    }
}
