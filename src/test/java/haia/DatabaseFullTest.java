package haia;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import haia.api.ApiError;
import haia.api.ErrorMapper;
import haia.observe.Redactor;
import haia.store.StoreException;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database that cannot be written (full: SQLite's own "database or disk is full", produced with HAIA_DB_MAX_SIZE;
 * read-only: the file made immutable) corrupts nothing, loses no answer the model already gave (the client still
 * gets it; the loss is logged and counted), shows in {@code /health}, and HAIA recovers by itself once the
 * database can be written again.
 */
class DatabaseFullTest {

    @TempDir
    Path dir;

    @Test
    void aFullDatabaseStillAnswersReportsItselfAndRecoversWhenThereIsRoomAgain() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start(); LogCapture lost = new LogCapture("haia.chat.ChatPipeline")) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("HAIA_DB_MAX_SIZE", "256KB");
            try (TestHaia haia = TestHaia.start(dir, env)) {
                double lostBefore = lostExchanges(haia);
                String big = "log line ".repeat(800);   // ~7 KB per message
                int stored = 0;
                Http.Response response = null;
                for (int i = 0; i < 200; i++) {
                    response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", i + " " + big),
                                         Map.of("X-Haia-Conversation", "c" + i));
                    assertEquals(200, response.status(), response.body());
                    if (haia.haia().store().conversations().list(500, 0).size() == stored) {
                        break;   // answered, but not stored: the database is full
                    }
                    stored++;
                }
                assertTrue(stored < 200, "the cap was reached");
                assertTrue(response.json().path("choices").path(0).path("message").path("content").asText()
                                   .startsWith("Echo: "), "the client still got the reply: " + response.body());
                assertEquals(lostBefore + 1, lostExchanges(haia), "the loss is counted");
                assertTrue(lost.contains("could not be stored and is lost") && lost.contains("disk is full"),
                           "and logged: " + lost.lines);
                Http.Response health = Http.get(haia.uri("/health"));
                assertEquals(503, health.status(), health.body());
                assertTrue(health.body().contains("disk is full"), health.body());
                assertEquals(200, Http.get(haia.uri("/v1/conversations")).status(), "reads keep working");

                // make room: deleting conversations frees pages inside the file
                for (int i = 0; i < Math.min(10, stored); i++) {
                    long id = haia.haia().store().conversations().list(1, 0).getFirst().id();
                    assertEquals(204, Http.delete(haia.uri("/v1/conversations/" + id)).status());
                }
                int before = haia.haia().store().conversations().list(500, 0).size();
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "after cleanup"),
                                            Map.of("X-Haia-Conversation", "after")).status());
                assertEquals(before + 1, haia.haia().store().conversations().list(500, 0).size(), "stored again, without a restart");
                assertEquals(200, Http.get(haia.uri("/health")).status(), "and healthy again");
            }
            assertIntact(dir.resolve("data/haia.db"));
        }
    }

    @Test
    void aReadOnlyDatabaseRecoversByItselfWhenItIsWritableAgain() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = TestHaia.start(dir, TestHaia.baseEnv(dir, anthropic))) {
            Path db = dir.resolve("data/haia.db");
            double lostBefore = lostExchanges(haia);
            try (ReadOnly ignored = ReadOnly.make(db)) {
                Http.Response answered = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "while read-only"));
                assertEquals(200, answered.status(), "answered, though it cannot be stored: " + answered.body());
                assertEquals(lostBefore + 1, lostExchanges(haia));
                Http.Response health = Http.get(haia.uri("/health"));
                assertEquals(503, health.status(), health.body());
                assertTrue(health.body().contains("read-only"), health.body());
                assertEquals(List.of(), haia.haia().store().conversations().list(10, 0));
            }
            // writable again: the next exchange is stored, no restart needed
            assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "writable again")).status());
            assertEquals(1, haia.haia().store().conversations().list(10, 0).size(), "stored");
            assertEquals(200, Http.get(haia.uri("/health")).status());
        }
        assertIntact(dir.resolve("data/haia.db"));
    }

    @Test
    void aReadOnlyDatabaseIsA503ForWhatCannotBeAnswered() {
        StoreException readOnly = new StoreException("Cannot store the exchange: the database is read-only", true,
                new SQLiteException("attempt to write a readonly database", SQLiteErrorCode.SQLITE_READONLY));
        ApiError error = new ErrorMapper(new Redactor(java.util.List.of()), 3).map(readOnly, "ref");
        assertEquals(503, error.status());
        assertEquals("database_unavailable", error.code());
        assertTrue(error.message().contains("read-only"));
    }

    private static double lostExchanges(TestHaia haia) {
        return Http.get(haia.uri("/metrics")).body().lines()
                .filter(l -> l.startsWith("haia_exchanges_lost_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static void assertIntact(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            ResultSet check = c.createStatement().executeQuery("PRAGMA integrity_check");
            check.next();
            assertEquals("ok", check.getString(1));
        }
    }

    /**
     * A database file that cannot be opened for writing, as on a read-only volume: immutable for root (which
     * ignores permissions), read-only permissions for anyone else. Connections already open are not affected, so
     * HAIA's pooled readers go on reading; a connection opened now is read-only.
     */
    private record ReadOnly(Path file, boolean immutable) implements AutoCloseable {

        static ReadOnly make(Path file) throws IOException, InterruptedException {
            if ("root".equals(System.getProperty("user.name"))) {
                Process chattr;
                try {
                    chattr = new ProcessBuilder("chattr", "+i", file.toString()).redirectErrorStream(true).start();
                } catch (IOException noChattr) {
                    Assumptions.abort("root ignores file permissions, and chattr (e2fsprogs) is not installed");
                    throw noChattr;
                }
                String output = new String(chattr.getInputStream().readAllBytes());
                Assumptions.assumeTrue(chattr.waitFor() == 0, "this file system cannot make a file immutable: " + output);
                return new ReadOnly(file, true);
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
            return new ReadOnly(file, false);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            if (immutable) {
                new ProcessBuilder("chattr", "-i", file.toString()).start().waitFor();
            } else {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    /** The records one logger writes while open. */
    private static final class LogCapture extends Handler implements AutoCloseable {

        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Logger logger;

        LogCapture(String name) {
            this.logger = Logger.getLogger(name);
            logger.addHandler(this);
        }

        boolean contains(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
