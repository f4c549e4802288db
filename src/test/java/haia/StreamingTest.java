package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.store.MessageStatus;
import haia.store.StoredMessage;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stream: true} end to end: OpenAI chunks out as Anthropic's events come in, and the store stays right. */
class StreamingTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void start() {
        anthropic = FakeAnthropic.start();
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_KEEP_ALIVE", "300ms");
        env.put("HAIA_MAX_ATTEMPTS", "1");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        assertEquals(List.of(), anthropic.violations());
        anthropic.close();
    }

    private static ObjectNode streamRequest(String text) {
        return Http.chat("haia", text).put("stream", true);
    }

    private List<JsonNode> chunks(SseClient client) throws Exception {
        List<JsonNode> chunks = new ArrayList<>();
        String data;
        while ((data = client.nextData()) != null && !data.equals("[DONE]")) {
            chunks.add(Http.JSON.readTree(data));
        }
        assertEquals("[DONE]", data, "the stream ends with [DONE]");
        assertNull(client.nextData(), "nothing after [DONE]");
        return chunks;
    }

    private static String text(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks) {
            for (JsonNode choice : chunk.path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }

    @Test
    void streamsOpenAiChunksThatAddUpToTheReply() throws Exception {
        List<String> pieces = List.of("Check ", "`pvecm status`", " first, ", "then ", "corosync.");
        anthropic.enqueue(FakeAnthropic.streamed(pieces, Duration.ofMillis(20)));

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("quorum lost"))) {
            assertEquals(200, client.status());
            assertTrue(client.header("Content-Type").startsWith("text/event-stream"), client.header("Content-Type"));
            assertEquals("no-cache", client.header("Cache-Control"));
            assertEquals("no", client.header("X-Accel-Buffering"));
            List<JsonNode> chunks = chunks(client);

            assertEquals(String.join("", pieces), text(chunks));
            JsonNode first = chunks.getFirst();
            assertEquals("assistant", first.path("choices").get(0).path("delta").path("role").asText());
            String id = first.path("id").asText();
            assertTrue(id.startsWith("chatcmpl-"));
            for (JsonNode chunk : chunks) {
                assertEquals(id, chunk.path("id").asText(), "one stable id");
                assertEquals(first.path("created").asLong(), chunk.path("created").asLong());
                assertEquals("haia", chunk.path("model").asText());
                assertEquals("chat.completion.chunk", chunk.path("object").asText());
            }
            JsonNode last = chunks.getLast().path("choices").get(0);
            assertEquals("stop", last.path("finish_reason").asText());
            for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
                assertTrue(chunk.path("choices").get(0).path("finish_reason").isNull());
            }
        }
        assertTrue(anthropic.lastRequest().body().path("stream").asBoolean(), "the upstream call streams too");
    }

    @Test
    void theFirstTokenArrivesWhileTheUpstreamIsStillGenerating() throws Exception {
        anthropic.enqueue(FakeAnthropic.streamed(List.of("one ", "two ", "three ", "four ", "five"), Duration.ofMillis(400)));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("go"))) {
            String firstContent = null;
            String data;
            while ((data = client.nextData()) != null) {
                String content = Http.JSON.readTree(data).path("choices").path(0).path("delta").path("content").asText("");
                if (!content.isEmpty()) {
                    firstContent = content;
                    break;
                }
            }
            assertEquals("one ", firstContent);
            assertFalse(anthropic.awaitStreamFinished(Duration.ZERO), "the upstream has not finished yet");
            chunks(client);
        }
    }

    @Test
    void includeUsageAddsAFinalUsageChunk() throws Exception {
        ObjectNode request = streamRequest("hi");
        request.putObject("stream_options").put("include_usage", true);
        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("a", "b"), "max_tokens", 42, 7, Duration.ZERO));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = chunks(client);
            JsonNode usageChunk = chunks.getLast();
            assertEquals(0, usageChunk.path("choices").size(), "empty choices");
            assertEquals(42, usageChunk.path("usage").path("prompt_tokens").asInt());
            assertEquals(7, usageChunk.path("usage").path("completion_tokens").asInt());
            assertEquals(49, usageChunk.path("usage").path("total_tokens").asInt());
            JsonNode finish = chunks.get(chunks.size() - 2);
            assertEquals("length", finish.path("choices").get(0).path("finish_reason").asText(), "max_tokens maps to length");
            assertTrue(finish.has("usage") && finish.path("usage").isNull(), "other chunks carry usage: null");
        }
    }

    @Test
    void aStreamedReplyIsInTheNextRequestsWindow() throws Exception {
        anthropic.enqueue(FakeAnthropic.streamed(List.of("VM 101 ", "is on ", "pve2."), Duration.ZERO));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("where is VM 101?"))) {
            chunks(client);
        }
        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "and its disk?"));
        JsonNode messages = anthropic.lastRequest().body().path("messages");
        assertEquals(3, messages.size());
        assertEquals("VM 101 is on pve2.", messages.get(1).path("content").asText());
    }

    @Test
    void aClientThatHangsUpStopsTheUpstreamAndLeavesAnIncompleteRecord() throws Exception {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pieces.add("token" + i + " ");
        }
        anthropic.enqueue(FakeAnthropic.streamed(pieces, Duration.ofMillis(100)));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("long answer please"))) {
            for (int received = 0; received < 5; ) {
                String data = client.nextData();
                assertNotNull(data);
                if (!Http.JSON.readTree(data).path("choices").path(0).path("delta").path("content").asText("").isEmpty()) {
                    received++;
                }
            }
        }   // hang up after five tokens

        assertTrue(anthropic.awaitDisconnect(Duration.ofSeconds(5)), "HAIA closed the upstream connection");
        assertTrue(anthropic.eventsWritten() < 40, "the upstream stopped early: " + anthropic.eventsWritten() + " events");

        long conversation = awaitStored(2);
        List<StoredMessage> stored = haia.haia().store().conversations().messages(conversation, 0, 10);
        assertEquals(MessageStatus.FAILED, stored.get(0).status(), "the question stays in history, out of the window");
        assertEquals(MessageStatus.INCOMPLETE, stored.get(1).status());
        assertTrue(stored.get(1).content().startsWith("token0 token1 token2 token3 token4 "), stored.get(1).content());
        assertTrue(stored.get(1).error().orElseThrow().contains("disconnected"));

        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "next question"));
        assertEquals(1, anthropic.lastRequest().body().path("messages").size(), "the incomplete exchange is not in the window");
        assertTrue(Http.get(haia.uri("/metrics")).body().contains("haia_streams_cancelled_total{"));
    }

    @Test
    void anUpstreamErrorBeforeTheFirstTokenIsANormalErrorResponse() throws Exception {
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("hi"))) {
            assertEquals(503, client.status());
            assertTrue(client.header("Content-Type").startsWith("application/json"));
            JsonNode error = Http.JSON.readTree(client.remainingBody()).path("error");
            assertEquals("upstream_overloaded", error.path("code").asText());
        }
    }

    @Test
    void anUpstreamErrorMidStreamEndsTheStreamWithAnErrorChunk() throws Exception {
        anthropic.enqueue(new FakeAnthropic.Behaviour.StreamThenError(List.of("Let me ", "check "), "overloaded_error",
                                                                      Duration.ofMillis(10)));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("hi"))) {
            assertEquals(200, client.status());
            List<JsonNode> chunks = chunks(client);
            JsonNode last = chunks.getLast();
            assertFalse(last.has("choices"), "the error chunk carries no choices");
            assertEquals("upstream_overloaded", last.path("error").path("code").asText());
            assertEquals("Let me check ", text(chunks));
        }
        long conversation = awaitStored(2);
        List<StoredMessage> stored = haia.haia().store().conversations().messages(conversation, 0, 10);
        assertEquals(MessageStatus.INCOMPLETE, stored.get(1).status());
        assertEquals("Let me check ", stored.get(1).content());
    }

    @Test
    void waitingForTheFirstTokenSendsKeepAliveComments() throws Exception {
        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("late"), "end_turn", 1, 1, Duration.ofMillis(1200)));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("slow one"))) {
            assertEquals(200, client.status());
            List<String> lines = client.remainingLines();
            int firstKeepAlive = lines.indexOf(": keep-alive");
            int firstData = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("data:")) {
                    firstData = i;
                    break;
                }
            }
            assertTrue(firstKeepAlive >= 0 && firstKeepAlive < firstData, lines.toString());
            assertTrue(lines.contains("data: [DONE]"));
        }
    }

    @Test
    void streamMetricsAreRecorded() throws Exception {
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), streamRequest("hi"))) {
            chunks(client);
        }
        String metrics = Http.get(haia.uri("/metrics")).body();
        assertTrue(metrics.contains("haia_stream_first_token_seconds_bucket{"), metrics);
        assertTrue(metrics.contains("haia_stream_duration_seconds_bucket{"));
        assertTrue(metrics.contains("haia_streams_open"));
    }

    /** Waits until the exchange was committed (it is stored just before the stream ends or after a hang-up). */
    private long awaitStored(int messages) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var conversations = haia.haia().store().conversations().list(1, 0);
            if (!conversations.isEmpty() && conversations.getFirst().messageCount() >= messages) {
                return conversations.getFirst().id();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing stored");
    }
}
