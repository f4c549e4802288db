package haia.llm.gemini;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.ErrorCategory;
import haia.llm.FinishReason;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gemini's Developer API mapping, without sockets. */
class GeminiProtocolTest {

    private final GeminiProtocol protocol = new GeminiProtocol(
            RecordedStream.provider("gemini", "https://generativelanguage.googleapis.com", "AIza-k", Map.of()));

    @Test
    void aTextRequestUsesSystemInstructionAndTheModelRole() throws Exception {
        UpstreamRequest http = protocol.request(TestRequests.of("gemini-2.5-flash", "Be brief.", LlmMessage.user("hi"),
                                                                LlmMessage.assistant("hello"), LlmMessage.user("q")),
                                                true);
        assertEquals("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                     http.uri().toString());
        assertEquals("AIza-k", http.headers().get("x-goog-api-key"));
        JsonNode body = ProtocolJson.READER.readTree(http.body());
        assertEquals("Be brief.", body.path("systemInstruction").path("parts").get(0).path("text").asText());
        assertEquals("model", body.path("contents").get(1).path("role").asText());
        assertEquals(1024, body.path("generationConfig").path("maxOutputTokens").asInt());
    }

    @Test
    void aBlockedPromptIsAContentFilterFinish() throws Exception {
        LlmResponse blocked = protocol.reply(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of()),
                "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":9}}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(FinishReason.CONTENT_FILTER, blocked.finishReason());
        assertEquals("", blocked.text());
    }

    @Test
    void aStreamThatSimplyEndsCompletesWithTheLastUsage() {
        RecordedStream.Decoded decoded = RecordedStream.decode("gemini", 
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.data(
                        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Pa\"}]},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}",
                        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"ris\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":11,\"candidatesTokenCount\":2,\"thoughtsTokenCount\":5}}"));
        assertTrue(decoded.ended());
        assertEquals("Paris", decoded.response().text());
        assertEquals(11, decoded.response().usage().inputTokens());
        assertEquals(7, decoded.response().usage().outputTokens(), "thinking is billed as output");
        assertEquals(Optional.of("r1"), decoded.response().upstreamRequestId());
    }

    @Test
    void aWrongKeyIsAnAuthenticationFailureAndRetryInfoIsHonoured() {
        LlmException key = protocol.failure("m", new UpstreamHead(400, Map.of()), """
                {"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT",
                 "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"""
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.AUTHENTICATION, key.category());
        LlmException quota = protocol.failure("m", new UpstreamHead(429, Map.of()), """
                {"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED",
                 "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"22s"}]}}"""
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.RATE_LIMITED, quota.category());
        assertEquals(Optional.of(Duration.ofSeconds(22)), quota.retryAfter());
    }
}
