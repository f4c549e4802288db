package haia;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeGemini;
import haia.testing.FakeUpstream;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HAIA on Gemini, against a loopback Gemini API that checks each request and answers in Google's formats. */
class GeminiProviderTest {

    @TempDir
    Path dir;
    private FakeGemini gemini;
    private TestHaia haia;

    @BeforeEach
    void start() {
        gemini = FakeGemini.start();
        Map<String, String> env = TestHaia.loopbackEnv(dir);
        env.put("HAIA_PROVIDER", "gemini");
        env.put("GEMINI_BASE_URL", gemini.baseUrl());
        env.put("GEMINI_API_KEY", FakeGemini.API_KEY);
        env.put("HAIA_MAX_ATTEMPTS", "1");
        haia = TestHaia.start(dir, env);
    }

    @AfterEach
    void stop() {
        haia.close();
        gemini.close();
    }

    @Test
    void blockingChatMapsRolesSystemInstructionAndSettings() {
        ObjectNode first = Http.chat("haia", "my nas is pve3");
        assertEquals(200, Http.post(haia.uri("/v1/chat/completions"), first).status());
        ObjectNode request = Http.chat("haia", "which box is my nas?");
        request.put("temperature", 0.2).put("top_p", 0.5).put("max_completion_tokens", 200);

        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request);
        assertEquals(200, response.status(), response.body());
        JsonNode completion = response.json();
        assertEquals("Echo: which box is my nas?",
                     completion.path("choices").get(0).path("message").path("content").asText(),
                     "thought parts are not reply text");
        assertEquals(12, completion.path("usage").path("prompt_tokens").asInt());
        assertEquals(7, completion.path("usage").path("completion_tokens").asInt());

        FakeUpstream.Received sent = gemini.lastRequest();
        assertEquals("/v1beta/models/gemini-2.5-flash:generateContent", sent.path());
        JsonNode body = sent.body();
        assertTrue(body.path("systemInstruction").path("parts").get(0).path("text").asText().contains("DevOps"));
        assertEquals("model", body.path("contents").get(1).path("role").asText(), "assistant turns are role model");
        assertEquals("Echo: my nas is pve3", body.path("contents").get(1).path("parts").get(0).path("text").asText());
        assertEquals(0.2, body.path("generationConfig").path("temperature").asDouble());
        assertEquals(0.5, body.path("generationConfig").path("topP").asDouble());
        assertEquals(200, body.path("generationConfig").path("maxOutputTokens").asInt());
        assertEquals(List.of(), gemini.violations());
    }

    @Test
    void streamsSseThatEndsWithoutDone() throws Exception {
        gemini.enqueue(FakeUpstream.streamed(List.of("Use ", "`pvecm status`", "."), Duration.ofMillis(10)));
        ObjectNode request = Http.chat("haia", "quorum?");
        request.put("stream", true).putObject("stream_options").put("include_usage", true);

        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("Use `pvecm status`.", SseClient.text(chunks));
            assertEquals(3, chunks.getLast().path("usage").path("completion_tokens").asInt());
        }
        assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent", gemini.lastRequest().path());
        assertEquals(List.of(), gemini.violations());
    }

    @Test
    void finishReasonsAndBlockedPromptsAreMapped() {
        gemini.enqueue(FakeUpstream.reply("long answ", FakeUpstream.Finish.LENGTH));
        Http.Response cut = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "explain everything"));
        assertEquals("length", cut.json().path("choices").get(0).path("finish_reason").asText());

        gemini.blockPrompt(true);
        Http.Response blocked = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "something blocked"));
        assertEquals(200, blocked.status(), blocked.body());
        assertEquals("content_filter", blocked.json().path("choices").get(0).path("finish_reason").asText());
    }

    @Test
    void rateLimitsCarryGooglesRetryDelayAndMidStreamErrorsEndTheStream() throws Exception {
        gemini.enqueue(FakeUpstream.error(429, "You exceeded your current quota"));
        Http.Response limited = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        assertEquals(429, limited.status(), limited.body());
        assertEquals("22", limited.header("Retry-After"), "RetryInfo.retryDelay becomes Retry-After");

        gemini.enqueue(new FakeUpstream.Behaviour.StreamThenError(List.of("Partial "), 503, "The model is overloaded"));
        ObjectNode request = Http.chat("haia", "again");
        request.put("stream", true);
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"), request)) {
            List<JsonNode> chunks = client.chunksUntilDone();
            assertEquals("Partial ", SseClient.text(chunks));
            assertTrue(chunks.getLast().path("error").path("message").asText().contains("The model is overloaded"));
        }
    }

    @Test
    void anInvalidKeyIsAnAuthenticationFailureNotABadRequest() {
        haia.close();
        Map<String, String> env = TestHaia.loopbackEnv(dir.resolve("other"));
        env.put("HAIA_PROVIDER", "gemini");
        env.put("GEMINI_BASE_URL", gemini.baseUrl());
        env.put("GEMINI_API_KEY", "AIza-not-the-right-one");
        haia = TestHaia.start(dir, env);

        Http.Response response = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "hi"));
        assertEquals(502, response.status(), response.body());
        assertEquals("upstream_auth_failed", response.json().path("error").path("code").asText());
        assertFalse(response.body().contains("AIza-not-the-right-one"));
    }
}
