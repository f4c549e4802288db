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
import haia.testing.TestHaia;

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

    /**
     * Everything accepted before SIGTERM is answered within the grace: requests queued behind others in their
     * conversation, and a retry that starts after SIGTERM, all reach the upstream (its connections stay open until
     * the drain ends). Meanwhile {@code /health} says HAIA is shutting down.
     */
    @Test
    void everyRequestAcceptedBeforeSigtermIsAnsweredWithinTheGrace() throws Exception {
        int conversations = 4;
        int perConversation = 5;
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            for (int i = 0; i < conversations * perConversation + 1; i++) {
                anthropic.enqueue(i == 12 ? FakeAnthropic.error(529, "overloaded_error", "Overloaded")   // a retry
                        : new FakeAnthropic.Behaviour.Reply(List.of("answer"), "end_turn", 3, 1, Duration.ofMillis(1000)));
            }
            Path db = dir.resolve("data/haia.db");
            try (HaiaProcess haia = HaiaProcess.startJar(dir, env(anthropic, db, "20s"));
                 var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<Http.Response>> responses = new ArrayList<>();
                for (int c = 0; c < conversations; c++) {
                    responses.add(send(pool, haia, "c" + c, "question 0"));
                }
                awaitUpstreamCalls(anthropic, conversations);
                for (int m = 1; m < perConversation; m++) {
                    for (int c = 0; c < conversations; c++) {
                        responses.add(send(pool, haia, "c" + c, "question " + m));
                    }
                }
                Thread.sleep(500);                         // all of them are in, most waiting for their conversation
                int beforeSigterm = anthropic.requests().size();
                haia.process().destroy();                  // SIGTERM
                Thread.sleep(200);
                Http.Response health = Http.get(haia.uri("/health"));
                assertEquals(503, health.status(), health.body());
                assertTrue(health.body().contains("shutting down"), health.body());

                for (var response : responses) {
                    Http.Response r = response.get(30, java.util.concurrent.TimeUnit.SECONDS);
                    assertEquals(200, r.status(), r.body());
                }
                assertTrue(haia.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "exited");
                assertTrue(haia.log().contains("HAIA stopped"), haia.log());
                assertTrue(beforeSigterm < conversations * perConversation / 2,
                           "most upstream calls came after SIGTERM: " + beforeSigterm + " before");
                assertTrue(anthropic.requests().size() > conversations * perConversation, "the retry happened");
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                ResultSet answered = c.createStatement().executeQuery(
                        "SELECT count(*) FROM messages WHERE status = 'ok' AND content = 'answer'");
                answered.next();
                assertEquals(conversations * perConversation, answered.getInt(1), "every exchange was stored");
            }
        }
    }

    /**
     * What cannot finish within the grace is stopped just before it ends: a blocking request whose upstream never
     * answers gets 503 {@code shutting_down}, a stream that goes on forever gets an error chunk and {@code [DONE]},
     * and both users' messages (and the partial reply) are stored before the database closes.
     */
    @Test
    void whatCannotFinishWithinTheGraceIsStoppedAndItsMessageKept() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            anthropic.enqueue(new FakeAnthropic.Behaviour.Stall(Duration.ofSeconds(60)));
            Path db = dir.resolve("data/haia.db");
            try (HaiaProcess haia = HaiaProcess.startJar(dir, env(anthropic, db, "4s"));
                 var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                var blocking = send(pool, haia, "stalled", "are you there?");
                awaitUpstreamCalls(anthropic, 1);
                anthropic.enqueue(new FakeAnthropic.Behaviour.Endless("tick ", Duration.ofMillis(200)));
                try (SseClient stream = SseClient.post(haia.uri("/v1/chat/completions"),
                                                       Http.chat("haia", "keep talking").put("stream", true).toString(),
                                                       Map.of("X-Haia-Conversation", "endless"))) {
                    assertEquals(200, stream.status());
                    assertTrue(stream.nextData().contains("assistant"));
                    long start = System.nanoTime();
                    haia.process().destroy();              // SIGTERM

                    List<com.fasterxml.jackson.databind.JsonNode> chunks = stream.chunksUntilDone();
                    assertEquals("shutting_down", chunks.getLast().path("error").path("code").asText(),
                                 chunks.getLast().toString());
                    Http.Response stopped = blocking.get(30, java.util.concurrent.TimeUnit.SECONDS);
                    assertEquals(503, stopped.status(), stopped.body());
                    assertEquals("shutting_down", stopped.json().path("error").path("code").asText());
                    assertTrue(haia.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "exited");
                    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
                    assertTrue(seconds < 15, "stopped within the grace, not after the upstream: " + seconds + " s");
                }
                assertTrue(haia.log().contains("HAIA stopped"), haia.log());
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                ResultSet kept = c.createStatement().executeQuery(
                        "SELECT content, status, error FROM messages WHERE role = 'user' ORDER BY content");
                List<String> users = new ArrayList<>();
                while (kept.next()) {
                    assertEquals("failed", kept.getString("status"));
                    assertTrue(kept.getString("error").contains("shut down"), kept.getString("error"));
                    users.add(kept.getString("content"));
                }
                assertEquals(List.of("are you there?", "keep talking"), users);
                ResultSet partial = c.createStatement().executeQuery(
                        "SELECT count(*) FROM messages WHERE role = 'assistant' AND status = 'incomplete'"
                                + " AND content LIKE 'tick tick%'");
                partial.next();
                assertEquals(1, partial.getInt(1), "the partial stream is kept too");
            }
        }
    }

    private Map<String, String> env(FakeAnthropic anthropic, Path db, String grace) {
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_DB_PATH", db.toString());
        env.put("HAIA_SHUTDOWN_GRACE", grace);
        return env;
    }

    private static java.util.concurrent.Future<Http.Response> send(java.util.concurrent.ExecutorService pool,
                                                                    HaiaProcess haia, String conversation, String text) {
        return pool.submit(() -> Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", text),
                                           Map.of("X-Haia-Conversation", conversation)));
    }

    private static void awaitUpstreamCalls(FakeAnthropic anthropic, int calls) throws InterruptedException {
        for (int i = 0; i < 400 && anthropic.requests().size() < calls; i++) {
            Thread.sleep(50);
        }
        assertTrue(anthropic.requests().size() >= calls, "upstream calls: " + anthropic.requests().size());
    }
}
