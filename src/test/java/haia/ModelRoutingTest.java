package haia;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeAnthropic;
import haia.testing.FakeGemini;
import haia.testing.FakeOllama;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One HAIA offering Claude, a local Ollama model and Gemini side by side: listing, routing by model name, the
 * unknown-model error, fallback from a failing provider (blocking and streaming), and one conversation moving
 * between providers.
 */
class ModelRoutingTest {

    @TempDir
    Path dir;
    private FakeAnthropic anthropic;
    private FakeOllama ollama;
    private FakeGemini gemini;
    private TestHaia haia;

    @BeforeEach
    void start() throws Exception {
        anthropic = FakeAnthropic.start();
        ollama = FakeOllama.start("llama3.2:latest");
        gemini = FakeGemini.start();
        Files.writeString(dir.resolve("haia.yaml"), """
                models:
                  - id: haia
                    provider: anthropic
                    upstream-model: claude-sonnet-4-5
                    temperature: 0.4
                    fallback: haia-local
                  - id: haia-local
                    provider: ollama
                    upstream-model: llama3.2
                    max-tokens: 1024
                  - id: haia-gemini
                    provider: gemini
                    upstream-model: gemini-2.5-flash
                providers:
                  ollama:
                    base-url: %s
                  gemini:
                    base-url: %s
                """.formatted(ollama.baseUrl(), gemini.baseUrl()));
        Map<String, String> env = TestHaia.baseEnv(dir, anthropic);
        env.put("HAIA_CONFIG", "haia.yaml");
        env.put("GEMINI_API_KEY", FakeGemini.API_KEY);
        env.put("HAIA_MAX_ATTEMPTS", "1");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        anthropic.close();
        ollama.close();
        gemini.close();
    }

    /**
     * Claude takes temperature or top_p, never both (newer models reject the pair; temperature wins when a request
     * sets both). A model's configured temperature is a default: a client that chose top_p gets top_p.
     */
    @Test
    void aConfiguredTemperatureIsADefaultThatAClientsTopPReplaces() {
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "defaults")).status());
        assertEquals(0.4, anthropic.lastRequest().body().path("temperature").asDouble());

        ObjectNode topP = Http.chat("haia", "nucleus please").put("top_p", 0.3);
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), topP).status());
        JsonNode sent = anthropic.lastRequest().body();
        assertEquals(0.3, sent.path("top_p").asDouble());
        assertTrue(!sent.has("temperature"), "the configured default does not override the client's choice: " + sent);

        ObjectNode both = Http.chat("haia", "both").put("top_p", 0.3).put("temperature", 0.9);
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), both).status());
        sent = anthropic.lastRequest().body();
        assertEquals(0.9, sent.path("temperature").asDouble());
        assertTrue(!sent.has("top_p"), "temperature wins: " + sent);
        assertEquals(List.of(), anthropic.violations());
    }

    @Test
    void listsEveryModelWithItsProvider() {
        JsonNode list = Http.get(haia.uri("/v1/models")).json();
        assertEquals("list", list.path("object").asText());
        assertEquals(List.of("haia", "haia-local", "haia-gemini"), ids(list.path("data")));
        assertEquals(List.of("haia/anthropic", "haia/ollama", "haia/gemini"),
                     java.util.stream.StreamSupport.stream(list.path("data").spliterator(), false)
                             .map(m -> m.path("owned_by").asText()).toList());
    }

    @Test
    void theRequestsModelPicksTheProvider() {
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia-local", "local?")).status());
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia-gemini", "gemini?")).status());
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "claude?")).status());

        assertEquals(1, ollama.requests().size());
        assertEquals(1024, ollama.lastRequest().body().path("options").path("num_predict").asInt(), "per-model default");
        assertEquals(1, gemini.requests().size());
        assertEquals(1, anthropic.requests().size());
        assertEquals("claude-sonnet-4-5", anthropic.lastRequest().body().path("model").asText());
    }

    @Test
    void anUnknownModelIsA404ListingTheValidIds() {
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("gpt-5", "hi"));
        assertEquals(404, response.status(), response.body());
        JsonNode error = response.json().path("error");
        assertEquals("model_not_found", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("haia, haia-local, haia-gemini"), error.toString());
        assertEquals(0, anthropic.requests().size() + ollama.requests().size() + gemini.requests().size());
    }

    @Test
    void anOverloadedProviderFallsBackAndSaysWhichModelAnswered() throws Exception {
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        Http.Response blocking = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "is ceph ok?"));
        assertEquals(200, blocking.status(), blocking.body());
        assertEquals("haia-local", blocking.header("X-Haia-Model"));
        assertEquals("haia-local", blocking.json().path("model").asText());
        assertEquals("Echo: is ceph ok?", blocking.json().path("choices").get(0).path("message").path("content").asText());

        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        ObjectNode request = Http.chat("haia", "and now?");
        request.put("stream", true);
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            assertEquals("haia-local", client.header("X-Haia-Model"));
            List<JsonNode> chunks = client.chunksUntilDone();
            assertTrue(SseClient.text(chunks).startsWith("Echo: "), chunks.toString());
            assertEquals("stop", chunks.getLast().path("choices").get(0).path("finish_reason").asText());
        }
        assertEquals(2, ollama.requests().size());
        assertEquals(List.of(), ollama.violations());
    }

    @Test
    void aRejectedRequestDoesNotFallBack() {
        anthropic.enqueue(FakeAnthropic.error(400, "invalid_request_error", "prompt is too long"));
        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        assertEquals(400, response.status(), response.body());
        assertEquals(0, ollama.requests().size(), "the request itself was wrong: another model would not help");
    }

    @Test
    void oneConversationMovesBetweenProviders() {
        Map<String, String> conversation = Map.of("X-Haia-Conversation", "pve-upgrade");
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"),
                                    Http.chat("haia", "upgrading pve1 to 9.1 tonight"), conversation).status());
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"),
                                    Http.chat("haia-local", "what was I upgrading?"), conversation).status());
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"),
                                    Http.chat("haia-gemini", "and which version?"), conversation).status());

        JsonNode local = ollama.lastRequest().body().path("messages");
        assertEquals("upgrading pve1 to 9.1 tonight", local.get(1).path("content").asText(), "Claude's turn came along");
        assertEquals("Echo: upgrading pve1 to 9.1 tonight", local.get(2).path("content").asText());
        JsonNode contents = gemini.lastRequest().body().path("contents");
        assertEquals(5, contents.size(), "both earlier exchanges, then the new question");
        assertEquals("Echo: what was I upgrading?", contents.get(3).path("parts").get(0).path("text").asText());
        assertEquals(List.of(), gemini.violations());
    }

    private static List<String> ids(JsonNode data) {
        return java.util.stream.StreamSupport.stream(data.spliterator(), false).map(m -> m.path("id").asText()).toList();
    }
}
