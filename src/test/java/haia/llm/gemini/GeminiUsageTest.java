package haia.llm.gemini;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.LlmMessage;
import haia.llm.LlmResponse;
import haia.llm.ReasoningEffort;
import haia.llm.RecordedStream;
import haia.llm.TestRequests;
import haia.llm.UpstreamHead;
import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Gemini's {@code usageMetadata} (../shared/notes/wire-formats.md §5.3) as HAIA's usage. */
class GeminiUsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void thePromptCountIncludesTheCachedContentAndThoughtsAreOutput() throws Exception {
        assertEquals(new Usage(11_500, 11_000, 10_000, 0, 10_000, false), GeminiUsage.of(JSON.readTree("""
                {"promptTokenCount": 11500, "candidatesTokenCount": 1000, "totalTokenCount": 22500,
                 "cachedContentTokenCount": 10000, "thoughtsTokenCount": 10000}""")));
        assertEquals(new Usage(11, 1), GeminiUsage.of(JSON.readTree("""
                {"promptTokenCount": 11, "candidatesTokenCount": 1, "totalTokenCount": 12,
                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 11}]}""")));
    }

    /**
     * Gemini counts thoughts apart from the reply ({@code totalTokenCount} = prompt + candidates + thoughts): HAIA's
     * output is candidates + thoughts, its reasoning the thoughts, as OpenAI's output includes its reasoning.
     */
    @Test
    void thoughtsAreTheReasoningPartOfTheOutput() throws Exception {
        // a thinking model's answer as gemini-2.5-flash writes it: 8 + 9 + 1069 = 1086
        Usage usage = GeminiUsage.of(JSON.readTree("""
                {"promptTokenCount": 8, "candidatesTokenCount": 9, "totalTokenCount": 1086,
                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}], "thoughtsTokenCount": 1069}"""));
        assertEquals(new Usage(8, 1078, 0, 0, 1069, false), usage);
        assertEquals(1086, usage.totalTokens(), "Gemini's own total");
        // cut at maxOutputTokens while still thinking: thoughts and no candidates at all
        assertEquals(new Usage(8, 1024, 0, 0, 1024, false), GeminiUsage.of(JSON.readTree("""
                {"promptTokenCount": 8, "totalTokenCount": 1032, "thoughtsTokenCount": 1024}""")));
    }

    /** The same counts come out of a blocking reply and of the last event of a stream. */
    @Test
    void theThoughtsCountIsReadBlockingAndStreamed() throws Exception {
        GeminiProtocol protocol = new GeminiProtocol(
                RecordedStream.provider("gemini", "https://generativelanguage.googleapis.com", "AIza-k", Map.of()));
        var request = TestRequests.request("gemini-2.5-flash").reasoning(ReasoningEffort.LOW)
                .messages(LlmMessage.user("why is pve2 fenced?")).build();
        LlmResponse blocking = protocol.reply(request, new UpstreamHead(200, Map.of()), """
                {"candidates":[{"content":{"role":"model","parts":[
                   {"text":"**Checking quorum**","thought":true},{"text":"Quorum lost."}]},
                   "finishReason":"STOP","index":0}],
                 "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"totalTokenCount":315,
                   "promptTokensDetails":[{"modality":"TEXT","tokenCount":8}],"thoughtsTokenCount":303},
                 "modelVersion":"gemini-2.5-flash","responseId":"r2"}""".getBytes(UTF_8));
        assertEquals(new Usage(8, 307, 0, 0, 303, false), blocking.usage());

        RecordedStream.Decoded streamed = RecordedStream.decode("gemini",
                protocol.decoder(request, new UpstreamHead(200, Map.of())), RecordedStream.data(
                        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"**Checking quorum**\",\"thought\":true}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":8,\"totalTokenCount\":311,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":8}],\"thoughtsTokenCount\":303},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r2\"}",
                        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Quorum lost.\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":4,\"totalTokenCount\":315,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":8}],\"thoughtsTokenCount\":303},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r2\"}"));
        assertEquals("Quorum lost.", streamed.response().text());
        assertEquals(new Usage(8, 307, 0, 0, 303, false), streamed.response().usage());
    }
}
