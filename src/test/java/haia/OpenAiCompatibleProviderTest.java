package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeOpenAiServer;
import haia.testing.FakeUpstream;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAIA in front of an OpenAI-compatible server (llama.cpp, vLLM, LM Studio, OpenAI), against a loopback server that
 * checks each request against the Chat Completions rules and answers in its documented formats.
 */
class OpenAiCompatibleProviderTest {

    private static final String KEY = "sk-local-test-91c2";

    @TempDir
    Path dir;
    private FakeOpenAiServer server;
    private TestHaia haia;

    private void start(FakeOpenAiServer upstream, Map<String, String> extra) {
        server = upstream;
        Map<String, String> env = TestHaia.loopbackEnv(dir);
        env.put("HAIA_PROVIDER", "openai");
        env.put("OPENAI_BASE_URL", server.baseUrl());
        env.put("HAIA_MODEL", "qwen2.5-coder-32b");
        env.put("HAIA_MAX_ATTEMPTS", "1");
        env.putAll(extra);
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        if (haia != null) {
            haia.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void blockingChatWithTheBearerKeyAndTheSystemPromptFirst() {
        start(FakeOpenAiServer.start(KEY), Map.of("OPENAI_API_KEY", KEY));

        ObjectNode request = Http.chat("haia", "list my zfs pools");
        request.put("temperature", 1.4).put("max_tokens", 300);
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(200, response.status(), response.body());
        JsonNode completion = response.json();
        assertEquals("Echo: list my zfs pools", completion.path("choices").get(0).path("message").path("content").asText());
        assertEquals("haia", completion.path("model").asText(), "clients see HAIA's model id");
        assertEquals(19, completion.path("usage").path("total_tokens").asInt());

        FakeUpstream.Received sent = server.lastRequest();
        assertEquals("Bearer " + KEY, sent.headers().get("authorization"));
        assertEquals("qwen2.5-coder-32b", sent.body().path("model").asText());
        assertEquals("system", sent.body().path("messages").get(0).path("role").asText());
        assertEquals(1.4, sent.body().path("temperature").asDouble(), "OpenAI's own 0..2 scale passes through");
        assertEquals(300, sent.body().path("max_tokens").asInt(), "local servers get max_tokens");
        // called as a stream even for a blocking client: llama.cpp's server stops generating only a stream it loses
        assertTrue(sent.body().path("stream").asBoolean(), "a blocking call goes to the server as a stream");
        assertTrue(sent.body().path("stream_options").path("include_usage").asBoolean());
        assertFalse(completion.path("usage").has("estimated"), "a server that reports usage in streams: its counts");
        assertEquals(List.of(), server.violations());
    }

    @Test
    void streamsChunksWithUsageAndNoKeyWhenNoneIsConfigured() throws Exception {
        start(FakeOpenAiServer.start(), Map.of());
        server.enqueue(FakeUpstream.streamed(List.of("`zpool ", "status -x`"), Duration.ofMillis(10)));
        ObjectNode request = Http.chat("haia", "pool health?");
        request.put("stream", true).putObject("stream_options").put("include_usage", true);

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("`zpool status -x`", SseClient.text(chunks));
            assertEquals(2, chunks.getLast().path("usage").path("completion_tokens").asInt(), "usage from the upstream");
        }
        FakeUpstream.Received sent = server.lastRequest();
        assertNull(sent.headers().get("authorization"), "no key configured, none sent");
        assertTrue(sent.body().path("stream_options").path("include_usage").asBoolean(), "HAIA asks for usage");
        assertEquals(List.of(), server.violations());
    }

    @Test
    void aStreamWithoutDoneCompletesAfterItsFinishChunk() throws Exception {
        start(FakeOpenAiServer.start(), Map.of());
        server.sendDone(false);
        ObjectNode request = Http.chat("haia", "hi");
        request.put("stream", true);

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("Echo: hi", SseClient.text(chunks));
            assertEquals("stop", chunks.getLast().path("choices").get(0).path("finish_reason").asText());
        }
    }

    @Test
    void aStreamCutBeforeItsFinishIsAnErrorNotASilentSuccess() throws Exception {
        start(FakeOpenAiServer.start(), Map.of());
        server.enqueue(new FakeUpstream.Behaviour.StreamThenCut(List.of("half an ans")));
        ObjectNode request = Http.chat("haia", "hi");
        request.put("stream", true);

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("half an ans", SseClient.text(chunks));
            assertTrue(chunks.getLast().path("error").path("message").asText().contains("ended before its final event"),
                       chunks.getLast().toString());
        }
    }

    @Test
    void bothErrorShapesAreUnderstood() {
        start(FakeOpenAiServer.start(), Map.of());
        server.enqueue(FakeUpstream.error(400, "This model's maximum context length is 8192 tokens"));
        Http.Response nested = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        assertEquals(400, nested.status(), nested.body());
        assertTrue(nested.json().path("error").path("message").asText().contains("maximum context length is 8192"),
                   nested.body());

        server.errorShape(FakeOpenAiServer.ErrorShape.VLLM_LEGACY);
        server.enqueue(FakeUpstream.error(503, "The model is still loading"));
        Http.Response legacy = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        assertEquals(503, legacy.status(), legacy.body());
        assertTrue(legacy.json().path("error").path("message").asText().contains("The model is still loading"),
                   legacy.body());
    }

    @Test
    void aWrongKeyIsAnUpstreamAuthFailureThatNeverShowsTheKey() {
        start(FakeOpenAiServer.start(KEY), Map.of("OPENAI_API_KEY", "sk-wrong-key-5531"));
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        assertEquals(502, response.status(), response.body());
        assertEquals("upstream_auth_failed", response.json().path("error").path("code").asText());
        assertFalse(response.body().contains("sk-wrong-key-5531"));
    }

    @Test
    void theTokenLimitFieldCanBeSwitchedForOpenAisReasoningModels() throws Exception {
        Path config = dir.resolve("haia.yaml");
        java.nio.file.Files.writeString(config, """
                providers:
                  openai:
                    token-limit-field: max_completion_tokens
                """);
        start(FakeOpenAiServer.start(), Map.of("HAIA_CONFIG", config.toString()));
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi")).status());
        JsonNode sent = server.lastRequest().body();
        assertEquals(4096, sent.path("max_completion_tokens").asInt());
        assertFalse(sent.has("max_tokens"));
    }
}
