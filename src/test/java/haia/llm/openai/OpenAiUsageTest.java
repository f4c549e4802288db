package haia.llm.openai;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.LlmMessage;
import haia.llm.LlmResponse;
import haia.llm.RecordedStream;
import haia.llm.TestRequests;
import haia.llm.UpstreamHead;
import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** OpenAI's {@code CompletionUsage} (../shared/notes/wire-formats.md §2.2-2.3) as HAIA's usage. */
class OpenAiUsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void promptTokensAlreadyCountTheCachedOnes() throws Exception {
        assertEquals(new Usage(1117, 46, 1024, 0), OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
                 "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 0}}""")));
        assertEquals(new Usage(2000, 5, 1500, 300), OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 2000, "completion_tokens": 5,
                 "prompt_tokens_details": {"cached_tokens": 1500, "cache_write_tokens": 300}}""")));
        // a local server: no details, no caching
        assertEquals(new Usage(9, 2), OpenAiUsage.of(JSON.readTree(
                "{\"prompt_tokens\": 9, \"completion_tokens\": 2, \"total_tokens\": 11}")));
    }

    /** {@code reasoning_tokens} is a part of {@code completion_tokens}, as OpenAI's reasoning models report it. */
    @Test
    void completionTokensAlreadyCountTheReasoningOnes() throws Exception {
        // OpenAI's reasoning models: every detail, the reasoning inside completion_tokens (1186: 162 visible + 1024)
        assertEquals(new Usage(75, 1186, 0, 0, 1024, false), OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 75, "completion_tokens": 1186, "total_tokens": 1261,
                 "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 1024, "audio_tokens": 0,
                   "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}""")));
        // DeepSeek's reasoner: the reasoning detail alone, and its own cache fields (HAIA reads OpenAI's)
        assertEquals(new Usage(13, 229, 0, 0, 208, false), OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 13, "completion_tokens": 229, "total_tokens": 242,
                 "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 13,
                 "completion_tokens_details": {"reasoning_tokens": 208}}""")));
        // servers that write the details as null, or a count as something else than a whole number: not reported
        assertEquals(new Usage(9, 2), OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11,
                 "prompt_tokens_details": null, "completion_tokens_details": null}""")));
        assertEquals(new Usage(9, 2), OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 9, "completion_tokens": 2,
                 "completion_tokens_details": {"reasoning_tokens": "many"}}""")));
        // a count beyond an int stays out of range, for the sanitizer to refuse, instead of wrapping around
        assertEquals(Integer.MAX_VALUE, OpenAiUsage.of(JSON.readTree("""
                {"prompt_tokens": 9, "completion_tokens": 2,
                 "completion_tokens_details": {"reasoning_tokens": 4294967297}}""")).reasoningTokens());
    }

    /** The same counts come out of a blocking completion and of the usage chunk that ends a stream. */
    @Test
    void theReasoningCountIsReadBlockingAndStreamed() throws Exception {
        OpenAiProtocol protocol = new OpenAiProtocol(
                RecordedStream.provider("openai", "http://desk:8000/v1", null, Map.of()));
        var request = TestRequests.of("deepseek-reasoner", "s", LlmMessage.user("why is pve2 fenced?"));
        LlmResponse blocking = protocol.reply(request, new UpstreamHead(200, Map.of()), """
                {"id":"chatcmpl-9","object":"chat.completion","created":1764000000,"model":"deepseek-reasoner",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Quorum lost.",
                   "reasoning_content":"corosync saw one vote"},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":13,"completion_tokens":229,"total_tokens":242,
                   "completion_tokens_details":{"reasoning_tokens":208}}}""".getBytes(UTF_8));
        assertEquals(new Usage(13, 229, 0, 0, 208, false), blocking.usage());

        RecordedStream.Decoded streamed = RecordedStream.decode("openai",
                protocol.decoder(request, new UpstreamHead(200, Map.of())), RecordedStream.data(
                        "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"corosync saw one vote\"},\"finish_reason\":null}],\"usage\":null}",
                        "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Quorum lost.\"},\"finish_reason\":null}],\"usage\":null}",
                        "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}",
                        "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"model\":\"deepseek-reasoner\",\"choices\":[],\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":229,\"total_tokens\":242,\"completion_tokens_details\":{\"reasoning_tokens\":208}}}")
                        + "data: [DONE]\n\n");
        assertEquals("Quorum lost.", streamed.response().text());
        assertEquals(new Usage(13, 229, 0, 0, 208, false), streamed.response().usage());
    }
}
