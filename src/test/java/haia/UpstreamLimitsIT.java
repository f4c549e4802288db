package haia;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream replies that never end, against the real jar with its production JVM flags ({@code bin/start},
 * {@code -Xmx368m}) and HAIA's default limits: each is cut at the reply limit, the client gets a clear end, the
 * user's message and the cut reply are kept, and the process stays well within its memory.
 */
class UpstreamLimitsIT {

    private static final int DEFAULT_MAX_REPLY_CHARS = 500_000;
    private static final int STREAMS = 6;
    private static final int BLOCKING = 3;

    @TempDir
    Path dir;

    @Test
    void endlessRepliesAreCutAndMemoryStaysBounded() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
            Path db = dir.resolve("data/haia.db");
            env.put("HAIA_MAX_ATTEMPTS", "1");
            try (HaiaProcess haia = HaiaProcess.startJarAsInProduction(dir, env);
                 var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                // streams of 16 KB deltas that never end, all at once
                for (int i = 0; i < STREAMS; i++) {
                    anthropic.enqueue(new FakeAnthropic.Behaviour.Endless("x".repeat(16 * 1024), Duration.ZERO));
                }
                List<CompletableFuture<List<JsonNode>>> streams = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    String conversation = "stream-" + i;
                    streams.add(CompletableFuture.supplyAsync(() -> {
                        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                                               Http.chat("haia", "everything").put("stream", true).toString(),
                                                               Map.of("X-Haia-Conversation", conversation))) {
                            return client.chunksUntilDone();   // fails unless the stream ends with [DONE]
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, pool));
                }
                for (CompletableFuture<List<JsonNode>> stream : streams) {
                    List<JsonNode> chunks = stream.get(120, TimeUnit.SECONDS);
                    assertEquals(DEFAULT_MAX_REPLY_CHARS, SseClient.text(chunks).length());
                    assertEquals("upstream_reply_too_large", chunks.getLast().path("error").path("code").asText(),
                                 chunks.getLast().toString());
                }
                // blocking replies whose bodies never end
                for (int i = 0; i < BLOCKING; i++) {
                    anthropic.enqueue(new FakeAnthropic.Behaviour.EndlessBody());
                }
                List<CompletableFuture<Http.Response>> blocking = new ArrayList<>();
                for (int i = 0; i < BLOCKING; i++) {
                    String conversation = "blocking-" + i;
                    blocking.add(CompletableFuture.supplyAsync(() -> Http.post(
                            haia.uri("/v1/chat/completions"), Http.chat("haia", "everything"),
                            Map.of("X-Haia-Conversation", conversation)), pool));
                }
                for (CompletableFuture<Http.Response> response : blocking) {
                    Http.Response r = response.get(120, TimeUnit.SECONDS);
                    assertEquals(502, r.status(), r.body());
                    assertEquals("upstream_reply_too_large", r.json().path("error").path("code").asText());
                }

                long peakKb = haia.statusKb("VmHWM");
                System.out.println("UpstreamLimitsIT: peak RSS " + peakKb / 1024 + " MB after " + STREAMS
                                           + " endless streams and " + BLOCKING + " endless bodies (-Xmx368m)");
                assertTrue(haia.process().isAlive());
                assertEquals(200, Http.get(haia.uri("/health")).status());
                assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "still fine?")).status());
                assertTrue(peakKb < 640 * 1024, "peak RSS " + peakKb / 1024 + " MB");
                haia.stop(Duration.ofSeconds(30));
                assertFalse(haia.log().contains("OutOfMemoryError"), haia.log());
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                ResultSet users = c.createStatement().executeQuery(
                        "SELECT count(*) FROM messages WHERE role = 'user' AND status = 'failed' AND content = 'everything'");
                users.next();
                assertEquals(STREAMS + BLOCKING, users.getInt(1), "every user message is kept");
                ResultSet cut = c.createStatement().executeQuery(
                        "SELECT count(*) FROM messages WHERE role = 'assistant' AND status = 'incomplete'"
                                + " AND length(content) = " + DEFAULT_MAX_REPLY_CHARS);
                cut.next();
                assertEquals(STREAMS, cut.getInt(1), "every cut reply is kept, at the limit");
            }
        }
    }
}
