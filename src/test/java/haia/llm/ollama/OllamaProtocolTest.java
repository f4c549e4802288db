package haia.llm.ollama;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.ErrorCategory;
import haia.llm.FinishReason;
import haia.llm.LlmEvent;
import haia.llm.LlmException;
import haia.llm.LlmMessage;
import haia.llm.LlmResponse;
import haia.llm.ProtocolJson;
import haia.llm.RecordedStream;
import haia.llm.TestRequests;
import haia.llm.UpstreamHead;
import haia.llm.UpstreamRequest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ollama's native chat API mapping, without sockets. */
class OllamaProtocolTest {

    private final OllamaProtocol protocol = new OllamaProtocol(
            RecordedStream.provider("ollama", "http://gpu-box:11434", null, Map.of("keep-alive", "10m")));

    @Test
    void aTextRequestPutsTheSystemPromptFirstAndSettingsInOptions() throws Exception {
        UpstreamRequest http = protocol.request(TestRequests.of("llama3.2", "Be brief.", LlmMessage.user("hi")), false);
        assertEquals("http://gpu-box:11434/api/chat", http.uri().toString());
        assertFalse(http.headers().containsKey("authorization"), "local Ollama gets no key");
        JsonNode body = ProtocolJson.READER.readTree(http.body());
        assertEquals("system", body.path("messages").get(0).path("role").asText());
        assertEquals("Be brief.", body.path("messages").get(0).path("content").asText());
        assertEquals(1024, body.path("options").path("num_predict").asInt());
        assertFalse(body.path("stream").asBoolean(true), "stream is always explicit");
        assertEquals("10m", body.path("keep_alive").asText());
    }

    @Test
    void aRecordedNdjsonStreamEndsWithItsDoneLine() {
        RecordedStream.Decoded decoded = RecordedStream.decode("ollama", 
                protocol.decoder(TestRequests.of("llama3.2", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                """
                {"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"The"},"done":false}
                {"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":" sky"},"done":false}

                {"model":"llama3.2","created_at":"2023-08-04T19:22:45.499127Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":4883583458,"prompt_eval_count":26,"eval_count":282}
                """);
        assertTrue(decoded.ended());
        assertEquals(List.of(new LlmEvent.TextDelta("The"), new LlmEvent.TextDelta(" sky")),
                     decoded.events().subList(0, 2));
        LlmResponse response = decoded.response();
        assertEquals("The sky", response.text());
        assertEquals(FinishReason.LENGTH, response.finishReason());
        assertEquals(26, response.usage().inputTokens());
        assertEquals(282, response.usage().outputTokens());
    }

    @Test
    void anErrorLineMidStreamIsAFailure() {
        RecordedStream.Decoded decoded = RecordedStream.decode("ollama", 
                protocol.decoder(TestRequests.of("llama3.2", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                "{\"error\":\"an error was encountered while running the model\"}\n");
        assertTrue(decoded.failure().getMessage().contains("an error was encountered"));
    }

    @Test
    void aModelThatIsNotPulledSaysHowToPullIt() {
        LlmException missing = protocol.failure("qwen3:8b", new UpstreamHead(404, Map.of()),
                                                "{\"error\":\"model \\\"qwen3:8b\\\" not found, try pulling it first\"}"
                                                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.NOT_FOUND, missing.category());
        assertTrue(missing.getMessage().contains("ollama pull qwen3:8b"), missing.getMessage());
    }

    @Test
    void theModelCheckFindsPulledModelsWithOrWithoutTheirTag() {
        var check = protocol.modelCheck("llama3.2");
        byte[] tags = "{\"models\":[{\"name\":\"llama3.2:latest\",\"model\":\"llama3.2:latest\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(Optional.empty(), check.answer().apply(tags));
        assertTrue(protocol.modelCheck("qwen3:8b").answer().apply(tags).orElseThrow().contains("ollama pull qwen3:8b"));
    }

    /**
     * A server without Ollama's API at the configured URL (llama.cpp's, as recorded: src/test/resources/llamacpp/
     * not-ollama.json) is not a missing model: no "ollama pull", but what to configure instead.
     */
    @Test
    void aServerWithoutOllamasApiSaysSoAndNamesTheOpenAiCompatibleProvider() {
        LlmException notOllama = protocol.failure("qwen3:8b", new UpstreamHead(404, Map.of()),
                                                  "{\"detail\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.PROTOCOL, notOllama.category());
        assertTrue(notOllama.getMessage().contains("does not look like Ollama")
                           && notOllama.getMessage().contains("HAIA_PROVIDER=openai")
                           && !notOllama.getMessage().contains("ollama pull"), notOllama.getMessage());
        LlmException page = protocol.failure("qwen3:8b", new UpstreamHead(404, Map.of()),
                                             "404 page not found".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.PROTOCOL, page.category(), "Ollama itself at a wrong path (a base URL with /v1)");

        LlmException missing = protocol.failure("qwen3:8b", new UpstreamHead(404, Map.of()),
                "{\"error\":\"model \\\"qwen3:8b\\\" not found, try pulling it first\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.NOT_FOUND, missing.category());
        assertTrue(missing.getMessage().contains("ollama pull qwen3:8b"), missing.getMessage());
    }

    @Test
    void theContextIsReadFromTheModelfilesNumCtx() {
        assertEquals(java.util.OptionalInt.of(16384), OllamaProtocol.numCtx(
                "{\"parameters\":\"num_ctx                        16384\\nstop \\\"<|im_end|>\\\"\"}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals(java.util.OptionalInt.empty(), OllamaProtocol.numCtx("{\"parameters\":\"temperature 0.7\"}"
                .getBytes(StandardCharsets.UTF_8)), "not set: Ollama's server default, which its API does not say");
        assertEquals("/api/show", protocol.contextQueries("qwen3:8b").getFirst().request().uri().getPath());
    }
}
