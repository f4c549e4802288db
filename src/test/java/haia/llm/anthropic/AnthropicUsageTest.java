package haia.llm.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Anthropic's usage objects (../shared/notes/wire-formats.md §1.3-1.5) in OpenAI's terms. */
class AnthropicUsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void theInputIsTheUncachedPartPlusCacheReadsAndWrites() throws Exception {
        Usage usage = AnthropicUsage.of(json("""
                {"input_tokens": 12, "cache_creation_input_tokens": 3000, "cache_read_input_tokens": 9000,
                 "cache_creation": {"ephemeral_5m_input_tokens": 3000, "ephemeral_1h_input_tokens": 0},
                 "output_tokens": 9, "service_tier": "standard"}"""));
        assertEquals(new Usage(12_012, 9, 9000, 3000), usage);
        assertEquals(12, usage.uncachedInputTokens());
    }

    @Test
    void aMessageDeltaUpdatesWhatItCarriesAndKeepsTheRest() throws Exception {
        Usage start = AnthropicUsage.of(json("""
                {"input_tokens": 135, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 4000,
                 "output_tokens": 1}"""));
        // only output_tokens is required in message_delta: the cache counts of message_start stay
        assertEquals(new Usage(4135, 10, 4000, 0), AnthropicUsage.update(start, json("{\"output_tokens\": 10}")));
        // the recorded stream repeats every count, cumulatively
        assertEquals(new Usage(4135, 10, 4000, 0), AnthropicUsage.update(start, json("""
                {"input_tokens": 135, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 4000,
                 "output_tokens": 10}""")));
    }

    /** Claude bills its thinking as output and says nothing of how much of it was thinking: 0, not an invention. */
    @Test
    void thinkingIsInTheOutputWithNoFigureOfItsOwn() throws Exception {
        Usage start = AnthropicUsage.of(json("""
                {"input_tokens": 40, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                 "output_tokens": 4}"""));
        Usage end = AnthropicUsage.update(start, json("{\"output_tokens\": 389}"));
        assertEquals(new Usage(40, 389), end);
        assertEquals(0, end.reasoningTokens());
    }

    @Test
    void countsBeyondAnIntStayImplausibleInsteadOfWrappingAround() throws Exception {
        Usage usage = AnthropicUsage.of(json("""
                {"input_tokens": 2147483647, "cache_read_input_tokens": 2147483647, "output_tokens": 1}"""));
        assertEquals(Integer.MAX_VALUE, usage.inputTokens(), "the sanitizer records it as 0");
    }
}
