package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeOllama;
import haia.testing.FakeUpstream;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAIA with only a local Ollama (no Anthropic key anywhere), configured the simple way (environment variables), driven
 * through its OpenAI API against a loopback Ollama that checks every request against Ollama's documented rules.
 */
class OllamaProviderTest {

    @TempDir
    Path dir;
    private FakeOllama ollama;
    private TestHaia haia;

    private TestHaia start(String model, Map<String, String> extra) {
        ollama = FakeOllama.start("llama3.2:latest", "qwen3:8b");
        Map<String, String> env = TestHaia.loopbackEnv(dir);
        env.put("HAIA_PROVIDER", "ollama");
        env.put("OLLAMA_BASE_URL", ollama.baseUrl());
        env.put("HAIA_MODEL", model);
        env.put("HAIA_MAX_ATTEMPTS", "1");
        env.putAll(extra);
        haia = TestHaia.start(dir, env);
        return haia;
    }

    @AfterEach
    void stop() {
        if (haia != null) {
            haia.close();
        }
        if (ollama != null) {
            ollama.close();
        }
    }

    @Test
    void chatsWithALocalModelWithoutAnyAnthropicKeyAndRemembers() {
        start("llama3.2", Map.of());

        Http.Response first = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "VM 104 on pve2 is stuck"));
        assertEquals(200, first.status(), first.body());
        JsonNode completion = first.json();
        assertEquals("Echo: VM 104 on pve2 is stuck", completion.path("choices").get(0).path("message").path("content").asText());
        assertEquals("stop", completion.path("choices").get(0).path("finish_reason").asText());
        assertEquals(12, completion.path("usage").path("prompt_tokens").asInt(), "prompt_eval_count");
        assertEquals(7, completion.path("usage").path("completion_tokens").asInt(), "eval_count");
        assertEquals(19, completion.path("usage").path("total_tokens").asInt());

        JsonNode sent = ollama.lastRequest().body();
        assertEquals("/api/chat", ollama.lastRequest().path());
        assertEquals("llama3.2", sent.path("model").asText());
        assertFalse(sent.path("stream").asBoolean(true), "a blocking call says stream: false");
        assertEquals("system", sent.path("messages").get(0).path("role").asText());
        assertTrue(sent.path("messages").get(0).path("content").asText().contains("senior DevOps engineer"),
                   "the persona is the system message");
        assertEquals(4096, sent.path("options").path("num_predict").asInt(), "max tokens as options.num_predict");

        Http.Response second = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "which VM was it?"));
        assertEquals(200, second.status(), second.body());
        JsonNode messages = ollama.lastRequest().body().path("messages");
        assertEquals(List.of("system", "user", "assistant", "user"), roles(messages));
        assertEquals("VM 104 on pve2 is stuck", messages.get(1).path("content").asText(), "the window came along");
        assertEquals("Echo: VM 104 on pve2 is stuck", messages.get(2).path("content").asText());
        assertEquals(List.of(), ollama.violations());
    }

    @Test
    void streamsNdjsonAsOpenAiChunksAndStoresTheReply() throws Exception {
        start("llama3.2", Map.of());
        ollama.enqueue(FakeUpstream.streamed(List.of("Run ", "`qm unlock 104`", " first."), Duration.ofMillis(20)));
        ObjectNode request = Http.chat("haia", "VM 104 is locked");
        request.put("stream", true).putObject("stream_options").put("include_usage", true);

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            assertEquals(200, client.status());
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("Run `qm unlock 104` first.", SseClient.text(chunks));
            assertEquals("stop", chunks.get(chunks.size() - 2).path("choices").get(0).path("finish_reason").asText());
            JsonNode usage = chunks.getLast().path("usage");
            assertEquals(12, usage.path("prompt_tokens").asInt());
            assertEquals(3, usage.path("completion_tokens").asInt());
        }
        assertTrue(ollama.lastRequest().body().path("stream").asBoolean());

        Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "and then?"));
        JsonNode messages = ollama.lastRequest().body().path("messages");
        assertEquals("Run `qm unlock 104` first.", messages.get(2).path("content").asText(), "the streamed reply was stored");
        assertEquals(List.of(), ollama.violations());
    }

    @Test
    void samplingSettingsGoInOptionsAndLengthIsMapped() {
        start("qwen3:8b", Map.of("OLLAMA_KEEP_ALIVE", "30m"));
        ollama.enqueue(FakeUpstream.reply("cut sho", FakeUpstream.Finish.LENGTH));
        ObjectNode request = Http.chat("haia", "explain ceph pg states");
        request.put("temperature", 0.3).put("top_p", 0.9).put("max_tokens", 50).putArray("stop").add("\n\n");

        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(200, response.status(), response.body());
        assertEquals("length", response.json().path("choices").get(0).path("finish_reason").asText());
        JsonNode sent = ollama.lastRequest().body();
        assertEquals("qwen3:8b", sent.path("model").asText());
        assertEquals(0.3, sent.path("options").path("temperature").asDouble());
        assertEquals(0.9, sent.path("options").path("top_p").asDouble());
        assertEquals(50, sent.path("options").path("num_predict").asInt());
        assertEquals("\n\n", sent.path("options").path("stop").get(0).asText());
        assertEquals("30m", sent.path("keep_alive").asText());
        assertEquals(List.of(), ollama.violations());
    }

    @Test
    void aModelThatIsNotPulledIsReportedWithTheFix() {
        start("mistral", Map.of());

        List<String> warnings = haia.haia().checkProviders();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("ollama pull mistral"), warnings.getFirst());
        assertTrue(Http.get(haia.uri("/health")).body().contains("reachable=yes"), "the check is a sighting");

        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hello"));
        assertEquals(502, response.status(), response.body());
        assertEquals("upstream_not_found", response.json().path("error").path("code").asText());
        assertTrue(response.json().path("error").path("message").asText().contains("ollama pull mistral"),
                   response.body());
    }

    @Test
    void aPulledModelPassesTheStartUpCheckAndAnUnreachableOllamaIsNamed() {
        start("llama3.2", Map.of());
        assertEquals(List.of(), haia.haia().checkProviders(), "llama3.2 means llama3.2:latest");

        ollama.close();
        List<String> warnings = haia.haia().checkProviders();
        assertEquals(1, warnings.size());
        // a fresh connection is refused; a pooled one Ollama closed fails on use: either way it is named
        assertTrue(warnings.getFirst().startsWith("Model 'haia' (provider ollama) cannot be checked: "), warnings.getFirst());
        assertFalse(warnings.getFirst().contains(": null"), warnings.getFirst());
        assertTrue(Http.get(haia.uri("/health")).body().contains("reachable=no"));
    }

    @Test
    void anErrorLineMidStreamEndsTheStreamWithAnErrorChunk() throws Exception {
        start("llama3.2", Map.of());
        ollama.enqueue(new FakeUpstream.Behaviour.StreamThenError(
                List.of("Checking "), 500, "an error was encountered while running the model"));
        ObjectNode request = Http.chat("haia", "check the pool");
        request.put("stream", true);

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("Checking ", SseClient.text(chunks));
            JsonNode error = chunks.getLast().path("error");
            assertTrue(error.path("message").asText().contains("an error was encountered while running the model"),
                       chunks.getLast().toString());
        }
    }

    static List<String> roles(JsonNode messages) {
        return java.util.stream.StreamSupport.stream(messages.spliterator(), false)
                .map(m -> m.path("role").asText()).toList();
    }
}
