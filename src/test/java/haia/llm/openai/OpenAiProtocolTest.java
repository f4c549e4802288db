package haia.llm.openai;

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
import haia.llm.ProtocolJson;
import haia.llm.RecordedStream;
import haia.llm.TestRequests;
import haia.llm.UpstreamHead;
import haia.llm.UpstreamRequest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Chat Completions mapping for OpenAI-compatible servers, without sockets. */
class OpenAiProtocolTest {

    private final OpenAiProtocol local = new OpenAiProtocol(
            RecordedStream.provider("openai", "http://desk:1234/v1", null, Map.of()));

    @Test
    void theTokenLimitFieldFollowsTheHostUnlessConfigured() throws Exception {
        OpenAiProtocol openAi = new OpenAiProtocol(
                RecordedStream.provider("openai", "https://api.openai.com/v1", "sk-x", Map.of()));
        UpstreamRequest http = openAi.request(TestRequests.of("gpt-4o-mini", "s", LlmMessage.user("hi")), true);
        JsonNode body = ProtocolJson.READER.readTree(http.body());
        assertEquals(1024, body.path("max_completion_tokens").asInt());
        assertEquals("Bearer sk-x", http.headers().get("authorization"));
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());

        JsonNode localBody = ProtocolJson.READER.readTree(
                local.request(TestRequests.of("qwen", "s", LlmMessage.user("hi")), false).body());
        assertEquals(1024, localBody.path("max_tokens").asInt());
        assertFalse(localBody.has("stream"));
        assertFalse(local.request(TestRequests.of("qwen", "s", LlmMessage.user("hi")), false).headers()
                            .containsKey("authorization"));
    }

    /** A stream without {@code [DONE]}, as some local servers end it, still completes after its finish chunk. */
    @Test
    void aStreamCompletesAfterItsFinishChunkWithOrWithoutDone() {
        String chunks = RecordedStream.data(
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]}",
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"qwen\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}");
        for (String body : List.of(chunks, chunks + "data: [DONE]\n\n")) {
            RecordedStream.Decoded decoded = RecordedStream.decode("openai", 
                    local.decoder(TestRequests.of("qwen", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                    body);
            assertTrue(decoded.ended());
            assertEquals(new LlmEvent.TextDelta("Hello"), decoded.events().getFirst());
            assertEquals("Hello", decoded.response().text());
            assertEquals(9, decoded.response().usage().inputTokens());
            assertEquals(Optional.of("chatcmpl-1"), decoded.response().upstreamRequestId());
        }
        RecordedStream.Decoded cut = RecordedStream.decode("openai", 
                local.decoder(TestRequests.of("qwen", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.data("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}"));
        assertFalse(cut.ended(), "a body that ends without a finish chunk: cut off");
    }

    @Test
    void everyErrorShapeGivesItsMessage() {
        LlmException nested = local.failure("m", new UpstreamHead(400, Map.of("x-request-id", "req_7")),
                "{\"error\":{\"message\":\"context too long\",\"type\":\"invalid_request_error\",\"code\":400}}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.INVALID_REQUEST, nested.category());
        assertTrue(nested.getMessage().contains("context too long"));
        assertEquals(Optional.of("req_7"), nested.upstreamRequestId());
        LlmException vllm = local.failure("m", new UpstreamHead(503, Map.of()),
                "{\"object\":\"error\",\"message\":\"model loading\",\"type\":\"x\",\"code\":503}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorCategory.OVERLOADED, vllm.category());
        assertTrue(vllm.getMessage().contains("model loading"));
        RecordedStream.Decoded midStream = RecordedStream.decode("openai", 
                local.decoder(TestRequests.of("qwen", "s", LlmMessage.user("q")), new UpstreamHead(200, Map.of())),
                RecordedStream.data("{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_exceeded\"}}"));
        assertEquals(ErrorCategory.RATE_LIMITED, midStream.failure().category());
    }

    @Test
    void finishReasonsMapOntoHaiasOwn() {
        assertEquals(FinishReason.TOOL_CALLS, OpenAiProtocol.finishReason("tool_calls"));
        assertEquals(FinishReason.LENGTH, OpenAiProtocol.finishReason("length"));
        assertEquals(FinishReason.STOP, OpenAiProtocol.finishReason("eos"));
    }
}
