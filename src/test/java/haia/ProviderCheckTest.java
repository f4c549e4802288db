package haia;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import haia.testing.FakeAnthropic;
import haia.testing.FakeGemini;
import haia.testing.FakeOpenAiServer;
import haia.testing.HaiaProcess;
import haia.testing.Http;
import haia.testing.TestHaia;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start-up check of every provider (docs/providers.md): reachability, the key, the model, each
 * against a fake serving the provider's documented model endpoint. Problems are warnings naming the setting and the
 * URL; HAIA starts anyway (a GPU box may boot later).
 */
class ProviderCheckTest {

    @TempDir
    Path dir;

    private TestHaia start(Map<String, String> env) {
        Map<String, String> all = TestHaia.loopbackEnv(dir);
        all.put("HAIA_MAX_ATTEMPTS", "1");
        all.putAll(env);
        return TestHaia.start(dir, all);
    }

    @Test
    void anthropicIsAskedForTheModelWithHaiasKey() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start();
             TestHaia haia = start(Map.of("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY,
                                          "ANTHROPIC_BASE_URL", anthropic.baseUrl()))) {
            assertEquals(List.of(), haia.haia().checkProviders());
            assertTrue(anthropic.modelLookups().contains("claude-haiku-4-5-20251001"), anthropic.modelLookups().toString());

            anthropic.models("claude-sonnet-4-5");
            List<String> warnings = haia.haia().checkProviders();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().startsWith("Model 'haia' (provider anthropic): Anthropic does not know the"
                                                              + " model 'claude-haiku-4-5-20251001'"), warnings.getFirst());
            assertEquals(List.of(), anthropic.violations());
        }
    }

    @Test
    void aRejectedKeyNamesTheVariable() throws Exception {
        try (FakeAnthropic anthropic = FakeAnthropic.start("sk-ant-the-real-one");
             TestHaia haia = start(Map.of("ANTHROPIC_API_KEY", "sk-ant-a-stale-one",
                                          "ANTHROPIC_BASE_URL", anthropic.baseUrl()))) {
            List<String> warnings = haia.haia().checkProviders();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().contains("rejected HAIA's API key (HTTP 401)"), warnings.getFirst());
            assertTrue(warnings.getFirst().endsWith("Check ANTHROPIC_API_KEY."), warnings.getFirst());
            assertTrue(!warnings.getFirst().contains("stale-one"), "never the key itself");
            assertEquals(200, Http.get(haia.uri("/health")).status(), "a warning, not a failed start");
        }
    }

    @Test
    void anUnreachableProviderIsNamedByUrlAndVariableAtStartAndAtChatTime() throws Exception {
        int closed = HaiaProcess.freePort();
        String url = "http://127.0.0.1:" + closed;
        try (TestHaia haia = start(Map.of("HAIA_PROVIDER", "ollama", "OLLAMA_BASE_URL", url))) {
            List<String> warnings = haia.haia().checkProviders();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().contains("Cannot connect to the ollama upstream at " + url
                                                            + " (OLLAMA_BASE_URL)"), warnings.getFirst());
            assertTrue(warnings.getFirst().contains("Check OLLAMA_BASE_URL"), warnings.getFirst());

            Http.Response chat = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "anyone home?"));
            assertEquals(502, chat.status(), chat.body());
            assertTrue(chat.json().path("error").path("message").asText()
                               .contains("the ollama upstream at " + url + " (OLLAMA_BASE_URL)"), chat.body());
        }
    }

    @Test
    void anOpenAiCompatibleServerIsAskedForItsModelList() throws Exception {
        try (FakeOpenAiServer server = FakeOpenAiServer.start("sk-local-key");
             TestHaia haia = start(Map.of("HAIA_PROVIDER", "openai", "OPENAI_BASE_URL", server.baseUrl(),
                                          "OPENAI_API_KEY", "sk-local-key", "HAIA_MODEL", "qwen2.5-coder-32b"))) {
            assertEquals(List.of(), haia.haia().checkProviders());

            server.serves("llama-3.1-8b", "mistral-7b");
            List<String> warnings = haia.haia().checkProviders();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().contains("the server at " + server.baseUrl() + " (OPENAI_BASE_URL) does not"
                                                            + " list the model 'qwen2.5-coder-32b' (it lists:"
                                                            + " llama-3.1-8b, mistral-7b)"), warnings.getFirst());

            server.listsModels(false);
            assertEquals(List.of(), haia.haia().checkProviders(), "a server without a model list cannot tell");
        }
    }

    @Test
    void geminiIsAskedForTheModel() throws Exception {
        try (FakeGemini gemini = FakeGemini.start();
             TestHaia haia = start(Map.of("HAIA_PROVIDER", "gemini", "GEMINI_BASE_URL", gemini.baseUrl(),
                                          "GEMINI_API_KEY", FakeGemini.API_KEY))) {
            assertEquals(List.of(), haia.haia().checkProviders());
        }
        try (FakeGemini gemini = FakeGemini.start();
             TestHaia haia = start(Map.of("HAIA_PROVIDER", "gemini", "GEMINI_BASE_URL", gemini.baseUrl(),
                                          "GEMINI_API_KEY", FakeGemini.API_KEY, "HAIA_MODEL", "gemini-9-ultra"))) {
            List<String> warnings = haia.haia().checkProviders();
            assertTrue(warnings.size() == 1 && warnings.getFirst().contains("Gemini does not know the model"
                                                                                    + " 'gemini-9-ultra'"), warnings.toString());
        }
        try (FakeGemini gemini = FakeGemini.start();
             TestHaia haia = start(Map.of("HAIA_PROVIDER", "gemini", "GEMINI_BASE_URL", gemini.baseUrl(),
                                          "GEMINI_API_KEY", "AIza-wrong"))) {
            List<String> warnings = haia.haia().checkProviders();
            assertTrue(warnings.size() == 1 && warnings.getFirst().endsWith("Check GEMINI_API_KEY."),
                       warnings.toString());
        }
    }
}
