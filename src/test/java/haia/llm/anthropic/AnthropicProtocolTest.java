package haia.llm.anthropic;

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
import haia.llm.LlmRequest;
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

/** Anthropic's Messages API mapping, without sockets: requests, replies, streams and errors. */
class AnthropicProtocolTest {

    private final AnthropicProtocol protocol = new AnthropicProtocol(
            RecordedStream.provider("anthropic", "https://api.anthropic.com/", "sk-ant-test", Map.of()));

    private static JsonNode json(byte[] body) throws Exception {
        return ProtocolJson.READER.readTree(body);
    }

    @Test
    void aTextRequestHasTheSystemPromptOnTopAndTheKeyInItsHeader() throws Exception {
        LlmRequest request = TestRequests.of("claude-haiku-4-5", "You are HAIA.", LlmMessage.user("hi"),
                                             LlmMessage.assistant("hello"), LlmMessage.user("pve2 is down"));
        UpstreamRequest http = protocol.request(request, true);
        assertEquals("https://api.anthropic.com/v1/messages", http.uri().toString());
        assertEquals("sk-ant-test", http.headers().get("x-api-key"));
        assertEquals("2023-06-01", http.headers().get("anthropic-version"));
        JsonNode body = json(http.body());
        assertEquals("You are HAIA.", body.path("system").asText());
        assertEquals(1024, body.path("max_tokens").asInt());
        assertEquals(3, body.path("messages").size());
        assertEquals("assistant", body.path("messages").get(1).path("role").asText());
        assertTrue(body.path("stream").asBoolean());
        assertFalse(http.toString().contains("sk-ant-test"), "a request never prints its key");
    }

    @Test
    void aReplyIsItsTextBlocksWithStopReasonAndUsageIncludingCacheTokens() throws Exception {
        String reply = """
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
                 "content":[{"type":"text","text":"Check "},{"type":"text","text":"corosync."}],
                 "stop_reason":"max_tokens","usage":{"input_tokens":12,"cache_creation_input_tokens":3,
                 "cache_read_input_tokens":5,"output_tokens":9}}""";
        LlmResponse response = protocol.reply(TestRequests.of("m", "s", LlmMessage.user("q")),
                                              new UpstreamHead(200, Map.of("request-id", "req_1")),
                                              reply.getBytes(StandardCharsets.UTF_8));
        assertEquals("Check corosync.", response.text());
        assertEquals(FinishReason.LENGTH, response.finishReason());
        assertEquals(20, response.usage().inputTokens());
        assertEquals(9, response.usage().outputTokens());
        assertEquals(Optional.of("req_1"), response.upstreamRequestId());
        assertEquals("claude-haiku-4-5-20251001", response.upstreamModel());
    }

    /** The SDK's recorded stream (wire-formats.md 1.5): text deltas, then the stop reason and cumulative usage. */
    @Test
    void aRecordedStreamBecomesTextDeltasThenTheCompletedReply() {
        RecordedStream.Decoded decoded = RecordedStream.decode("anthropic", 
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.sse(
                        "message_start", """
                                {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_013","type":"message","role":"assistant","content":[],"stop_reason":null,"usage":{"input_tokens":135,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}""",
                        "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                        "ping", "{\"type\": \"ping\"}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"[\"}}",
                        "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"12\"}}",
                        "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                        "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":135,\"output_tokens\":10}}",
                        "message_stop", "{\"type\":\"message_stop\"}"));
        assertTrue(decoded.ended());
        assertEquals(List.of(new LlmEvent.TextDelta("["), new LlmEvent.TextDelta("12")),
                     decoded.events().subList(0, 2));
        assertEquals("[12", decoded.response().text());
        assertEquals(FinishReason.STOP, decoded.response().finishReason());
        assertEquals(135, decoded.response().usage().inputTokens());
        assertEquals(10, decoded.response().usage().outputTokens());
        assertEquals("claude-sonnet-4-5-20250929", decoded.response().upstreamModel());
    }

    @Test
    void anErrorEventAfter200IsAClassifiedFailureAndACutStreamDoesNotComplete() {
        RecordedStream.Decoded overloaded = RecordedStream.decode("anthropic", 
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.sse("error", "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}"));
        assertEquals(ErrorCategory.OVERLOADED, overloaded.failure().category());
        assertTrue(overloaded.failure().getMessage().contains("Overloaded"));

        RecordedStream.Decoded cut = RecordedStream.decode("anthropic", 
                protocol.decoder(TestRequests.of("m", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"half\"}}"));
        assertFalse(cut.ended(), "no message_stop: the skeleton reports the stream as cut off");
    }

    @Test
    void errorAnswersAreClassifiedWithTheirMessageRequestIdAndRetryAfter() {
        LlmException limited = protocol.failure("m", new UpstreamHead(429, Map.of("retry-after", "7")),
                """
                {"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"req_9"}"""
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.RATE_LIMITED, limited.category());
        assertTrue(limited.getMessage().contains("slow down"), limited.getMessage());
        assertEquals(Optional.of("req_9"), limited.upstreamRequestId());
        assertEquals(Optional.of(java.time.Duration.ofSeconds(7)), limited.retryAfter());

        LlmException proxy = protocol.failure("m", new UpstreamHead(502, Map.of()),
                                              "<html>Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.UNAVAILABLE, proxy.category());
        assertTrue(proxy.getMessage().contains("Bad Gateway"));
        assertEquals(ErrorCategory.AUTHENTICATION,
                     protocol.failure("m", new UpstreamHead(401, Map.of()), new byte[0]).category());
    }

    @Test
    void theModelCheckLooksTheModelUp() {
        var check = protocol.modelCheck("claude-haiku-4-5");
        assertEquals("https://api.anthropic.com/v1/models/claude-haiku-4-5", check.request().uri().toString());
        assertEquals(UpstreamRequest.Method.GET, check.request().method());
        assertTrue(check.whenAbsent().orElseThrow().contains("claude-haiku-4-5"));
    }
}
