package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.PostgresServer;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PostgreSQL server goes away under a running HAIA and comes back: while it is gone, chats get a clear 503
 * {@code database_unavailable} (never a hang or a 500) and {@code /health} is DOWN; once it is back, HAIA serves
 * again by itself, with its memory intact, without a restart.
 */
class DatabaseOutageTest {

    @TempDir
    Path dir;

    @Test
    void aVanishedServerIsA503AndHaiaRecoversWhenItReturns() throws Exception {
        try (PostgresServer server = PostgresServer.startNew(); FakeAnthropic anthropic = FakeAnthropic.start()) {
            PostgresServer.Database database = server.newDatabase();
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            env.putAll(database.env());
            env.put("HAIA_DB_CONNECT_TIMEOUT", "1s");
            env.put("HAIA_DB_QUERY_TIMEOUT", "5s");
            Map<String, String> conversation = Map.of("X-Haia-Conversation", "outage");
            try (TestHaia haia = TestHaia.start(dir, env)) {
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"),
                                            Http.chat("haia", "ceph osd.3 is down"), conversation).status());
                JsonNode up = database(Http.get(haia.uri("/health")));
                assertEquals("UP", up.path("status").asText(), up.toString());
                assertEquals("postgresql", up.path("data").path("dialect").asText(), up.toString());
                assertTrue(up.path("data").path("poolMax").asInt() == 8, up.toString());
                String metrics = Http.get(haia.uri("/metrics")).body();
                assertTrue(metrics.contains("haia_db_pool_connections{") && metrics.contains("state=\"idle\"")
                                   && metrics.contains("haia_db_pool_max_connections"), metrics);

                server.stop();
                long start = System.nanoTime();
                Http.Response refused = Http.post(haia.uri("/v1/chat/completions"),
                                                  Http.chat("haia", "while the database is gone"), conversation);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, refused.status(), refused.body());
                assertEquals("database_unavailable", refused.json().path("error").path("code").asText());
                assertTrue(refused.json().path("error").path("message").asText().contains("PostgreSQL server"),
                           refused.body());
                assertFalse(refused.body().contains(database.password().reveal()), refused.body());
                assertTrue(millis < 10_000, "a prompt answer, not a hang: " + millis + " ms");
                Http.Response health = Http.get(haia.uri("/health"));
                assertEquals(503, health.status(), health.body());
                assertEquals("DOWN", database(health).path("status").asText(), health.body());
                assertEquals(503, Http.get(haia.uri("/v1/conversations")).status(), "reads: 503 too");

                server.start();
                Http.Response back = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline) {
                    back = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "which osd was it?"),
                                     conversation);
                    if (back.status() == 200) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertEquals(200, back.status(), "recovered without a restart: " + back.body());
                assertEquals(200, Http.get(haia.uri("/health")).status());
                JsonNode sent = anthropic.lastRequest().body().path("messages");
                assertEquals("ceph osd.3 is down", sent.get(0).path("content").asText(), "memory intact: " + sent);
                assertEquals(3, sent.size(), "the refused request left nothing behind: " + sent);
            }
        }
    }

    private static JsonNode database(Http.Response health) {
        for (JsonNode check : health.json().path("checks")) {
            if (check.path("name").asText().equals("database")) {
                return check;
            }
        }
        throw new AssertionError("no database check in " + health.body());
    }
}
