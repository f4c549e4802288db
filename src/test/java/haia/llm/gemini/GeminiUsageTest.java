package haia.llm.gemini;

import com.fasterxml.jackson.databind.ObjectMapper;

import haia.llm.Usage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Gemini's {@code usageMetadata} (../shared/notes/wire-formats.md §5.3) as HAIA's usage. */
class GeminiUsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void thePromptCountIncludesTheCachedContentAndThoughtsAreOutput() throws Exception {
        assertEquals(new Usage(11_500, 11_000, 10_000, 0), GeminiUsage.of(JSON.readTree("""
                {"promptTokenCount": 11500, "candidatesTokenCount": 1000, "totalTokenCount": 22500,
                 "cachedContentTokenCount": 10000, "thoughtsTokenCount": 10000}""")));
        assertEquals(new Usage(11, 1), GeminiUsage.of(JSON.readTree("""
                {"promptTokenCount": 11, "candidatesTokenCount": 1, "totalTokenCount": 12,
                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 11}]}""")));
    }
}
