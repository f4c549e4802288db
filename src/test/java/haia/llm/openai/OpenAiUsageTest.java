package haia.llm.openai;

import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.Usage;

import org.junit.jupiter.api.Test;

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
}
