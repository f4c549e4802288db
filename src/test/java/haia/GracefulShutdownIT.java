package haia;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.SseClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM (what podman stop sends): new requests are refused, the running stream finishes, the database closes cleanly. */
class GracefulShutdownIT {

    @TempDir
    Path dir;

    @Test
    void aRunningStreamFinishesAfterSigterm() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            List<String> pieces = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                pieces.add("part" + i + " ");
            }
            anthropic.enqueue(FakeAnthropic.streamed(pieces, Duration.ofMillis(200)));
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            Path db = dir.resolve("data/haia.db");
            env.put("HAIA_DB_PATH", db.toString());
            env.put("HAIA_SHUTDOWN_GRACE", "15s");

            try (HaiaProcess haia = HaiaProcess.startJar(dir, env);
                 SseClient stream = SseClient.post(haia.uri("/v1/chat/completions"),
                                                   Http.chat("haia", "long one").put("stream", true))) {
                assertEquals(200, stream.status());
                String first = stream.nextData();   // the role chunk: the stream is running
                assertTrue(first.contains("assistant"));

                haia.process().destroy();           // SIGTERM
                Thread.sleep(300);
                Http.Response refused;
                try {
                    refused = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "too late"));
                    assertEquals(503, refused.status(), refused.body());
                    assertEquals("shutting_down", refused.json().path("error").path("code").asText());
                    assertTrue(refused.header("x-request-id") != null, "the drain's 503 is traceable too");
                } catch (java.io.UncheckedIOException closedAlready) {
                    // also fine: the listener may already be closed
                }

                String body = stream.remainingBody();
                assertTrue(body.strip().endsWith("data: [DONE]"), "the stream ran to its end: " + body);
                for (String piece : pieces) {
                    assertTrue(body.contains(piece.strip()), piece);
                }
                assertTrue(haia.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "exited");
                int exit = haia.process().exitValue();
                assertTrue(exit == 0 || exit == 143, "exit " + exit);
                assertTrue(haia.log().contains("HAIA stopped"), haia.log());
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                ResultSet check = c.createStatement().executeQuery("PRAGMA integrity_check");
                check.next();
                assertEquals("ok", check.getString(1));
                ResultSet stored = c.createStatement().executeQuery(
                        "SELECT count(*) FROM messages WHERE status = 'ok' AND content LIKE 'part0 part1%part9 '");
                stored.next();
                assertEquals(1, stored.getInt(1), "the finished stream was stored");
            }
        }
    }
}
