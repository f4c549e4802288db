package haia.llm.gemini;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.Usage;

/**
 * Gemini's {@code usageMetadata} as HAIA's {@link Usage}: the protocol mapping of token counts, and nothing else
 * (../shared/notes/wire-formats.md §5.3-5.4), for a blocking reply and for the last event of a stream, which carries
 * the full counts. {@code promptTokenCount} already includes the {@code cachedContentTokenCount} served from
 * Gemini's context cache (implicit or explicit); Gemini bills no cache writes per request. Thinking tokens are billed
 * as output, so they count as output.
 */
final class GeminiUsage {

    private GeminiUsage() {
    }

    static Usage of(JsonNode usage) {
        return Usage.of(count(usage, "promptTokenCount"),
                        count(usage, "candidatesTokenCount") + count(usage, "thoughtsTokenCount"),
                        count(usage, "cachedContentTokenCount"), 0);
    }

    private static long count(JsonNode usage, String field) {
        JsonNode value = usage.path(field);
        return value.isIntegralNumber() ? value.asLong() : 0;
    }
}
