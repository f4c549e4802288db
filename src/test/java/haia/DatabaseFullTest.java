package haia;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;

import haia.api.ApiError;
import haia.api.ErrorMapper;
import haia.observe.Redactor;
import haia.store.StoreException;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full database (SQLite's own "database or disk is full", produced here with HAIA_DB_MAX_SIZE) gives a clear 503,
 * corrupts nothing, and HAIA recovers as soon as there is room again, without a restart.
 */
class DatabaseFullTest {

    @TempDir
    Path dir;

    @Test
    void aFullDatabaseIsA503AndRecoversWhenThereIsRoomAgain() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.put("HAIA_DB_MAX_SIZE", "256KB");
            try (TestHaia haia = TestHaia.start(dir, env)) {
                String big = "log line ".repeat(800);   // ~7 KB per message
                Http.Response response = null;
                int stored = 0;
                for (int i = 0; i < 200; i++) {
                    response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", i + " " + big),
                                         Map.of("X-Haia-Conversation", "c" + i));
                    if (response.status() != 200) {
                        break;
                    }
                    stored++;
                }
                assertEquals(503, response.status(), "the cap was reached: " + response.body());
                assertEquals("database_unavailable", response.json().path("error").path("code").asText());
                assertTrue(response.json().path("error").path("message").asText().contains("disk is full"));
                assertTrue(response.header("retry-after") != null);
                assertEquals(200, Http.get(haia.uri("/v1/conversations")).status(), "reads keep working");
                assertEquals(stored, haia.haia().store().list(500, 0).size());

                // make room: deleting conversations frees pages inside the file
                for (int i = 0; i < 10; i++) {
                    long id = haia.haia().store().list(1, 0).getFirst().id();
                    assertEquals(204, Http.delete(haia.uri("/v1/conversations/" + id)).status());
                }
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "after cleanup")).status(),
                             "recovered without a restart");
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/haia.db"))) {
                ResultSet check = c.createStatement().executeQuery("PRAGMA integrity_check");
                check.next();
                assertEquals("ok", check.getString(1));
            }
        }
    }

    @Test
    void aReadOnlyDatabaseIsA503Too() {
        StoreException readOnly = new StoreException("Cannot store the exchange: the database is read-only", true,
                new SQLiteException("attempt to write a readonly database", SQLiteErrorCode.SQLITE_READONLY));
        ApiError error = new ErrorMapper(new Redactor(java.util.List.of()), 3).map(readOnly, "ref");
        assertEquals(503, error.status());
        assertEquals("database_unavailable", error.code());
        assertTrue(error.message().contains("read-only"));
    }
}
