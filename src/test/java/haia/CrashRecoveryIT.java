package haia;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.Http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kill test: the jar under concurrent load is killed with SIGKILL (no shutdown hook, nothing flushed) and
 * restarted on the same database. Every exchange that was answered 200 must be there, whole; the file must pass
 * SQLite's integrity check; and no half-written exchange may sit on a live branch.
 */
class CrashRecoveryIT {

    @TempDir
    Path dir;

    record Answered(String conversation, String question, String answer) {
    }

    @Test
    void everyAnsweredExchangeSurvivesAKill9() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            Path db = dir.resolve("data/haia.db");
            env.put("HAIA_DB_PATH", db.toString());

            ConcurrentLinkedQueue<Answered> answered = new ConcurrentLinkedQueue<>();
            HaiaProcess haia = HaiaProcess.startJar(dir, env);
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> clients = new ArrayList<>();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build();
            for (int c = 0; c < 8; c++) {
                String conversation = "load-" + c;
                boolean stream = c % 2 == 0;
                clients.add(Thread.ofVirtual().start(() -> {
                    for (int m = 0; running.get() && m < 10_000; m++) {
                        String question = conversation + " question " + m;
                        try {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .header("X-Haia-Conversation", conversation)
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            Http.chat("haia", question).put("stream", stream).toString()))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            boolean complete = stream ? response.body().strip().endsWith("data: [DONE]")
                                    && !response.body().contains("\"error\"") : true;
                            if (response.statusCode() == 200 && complete) {
                                answered.add(new Answered(conversation, question, "Echo: " + question));
                            }
                        } catch (Exception killed) {
                            return;
                        }
                    }
                }));
            }
            // load until enough exchanges were answered (on a busy machine that takes longer; bounded all the same)
            for (int i = 0; i < 600 && answered.size() <= 60; i++) {
                Thread.sleep(50);
            }
            haia.kill();              // SIGKILL mid-load
            running.set(false);
            for (Thread client : clients) {
                client.join(Duration.ofSeconds(15));
            }
            assertTrue(answered.size() > 50, "enough load before the kill: " + answered.size());

            try (HaiaProcess restarted = HaiaProcess.startJar(dir, env)) {
                assertEquals(200, Http.get(restarted.uri("/health")).status());
                assertEquals(200, Http.post(restarted.uri("/v1/chat/completions"), Http.chat("haia", "after the crash"))
                        .status(), "serves again");
                for (Answered a : answered) {   // the search index holds every answered exchange
                    String q = java.net.URLEncoder.encode(a.question(), java.nio.charset.StandardCharsets.UTF_8);
                    String found = Http.get(restarted.uri("/v1/memory/search?limit=50&q=" + q)).body();
                    assertTrue(found.replace("**", "").contains("\"" + a.question() + "\""),
                               "found after the crash: " + a + " in " + found);
                }
                restarted.stop(Duration.ofSeconds(30));
            }

            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                ResultSet check = c.createStatement().executeQuery("PRAGMA integrity_check");
                check.next();
                assertEquals("ok", check.getString(1));
                // the full-text index agrees with the messages it indexes (FTS5 raises an error where it does not)
                c.createStatement().execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");

                for (Answered a : answered) {
                    var q = c.prepareStatement("""
                            SELECT m.id, m.status, (SELECT n.content FROM messages n WHERE n.conversation_id = m.conversation_id
                                                      AND n.id > m.id ORDER BY n.id LIMIT 1) AS reply,
                                   (SELECT n.status FROM messages n WHERE n.conversation_id = m.conversation_id
                                                      AND n.id > m.id ORDER BY n.id LIMIT 1) AS reply_status
                            FROM messages m JOIN conversations k ON k.id = m.conversation_id
                            WHERE k.external_key = ? AND m.role = 'user' AND m.content = ?""");
                    q.setString(1, a.conversation());
                    q.setString(2, a.question());
                    ResultSet row = q.executeQuery();
                    assertTrue(row.next(), "answered exchange missing after the crash: " + a);
                    assertEquals("ok", row.getString("status"), a.toString());
                    assertEquals(a.answer(), row.getString("reply"), a.toString());
                    assertEquals("ok", row.getString("reply_status"), a.toString());
                }

                // live branches hold whole exchanges only: user, assistant, user, assistant, ...
                ResultSet live = c.createStatement().executeQuery(
                        "SELECT conversation_id, role FROM messages WHERE status IN ('ok', 'imported') ORDER BY conversation_id, id");
                long conversation = -1;
                String expected = "user";
                int rows = 0;
                while (live.next()) {
                    if (live.getLong(1) != conversation) {
                        assertEquals("user", expected, "conversation " + conversation + " ends with a dangling user turn");
                        conversation = live.getLong(1);
                        expected = "user";
                    }
                    assertEquals(expected, live.getString(2), "conversation " + conversation + " is not whole");
                    expected = expected.equals("user") ? "assistant" : "user";
                    rows++;
                }
                assertEquals("user", expected, "the last conversation ends with a dangling user turn");
                assertTrue(rows >= answered.size() * 2);
            }
        }
    }
}
