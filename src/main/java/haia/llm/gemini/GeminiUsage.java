package haia.llm.gemini;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.Usage;

/**
 * Gemini's {@code usageMetadata} as HAIA's {@link Usage}: the protocol mapping of token counts, and nothing else
 * (../shared/notes/wire-formats.md §5.3-5.4), for a blocking reply and for the last event of a stream, which carries
 * the full counts. {@code promptTokenCount} already includes the {@code cachedContentTokenCount} served from
 * Gemini's context cache (implicit or explicit); Gemini bills no cache writes per request. A thinking model's
 * {@code thoughtsTokenCount} is not a part of {@code candidatesTokenCount} (Gemini's {@code totalTokenCount} adds the
 * two, and bills thoughts as output): HAIA's output is their sum and its reasoning count the thoughts, so that, as
 * in OpenAI's usage, the output includes the reasoning ({@link Usage}).
 */
final class GeminiUsage {

    private GeminiUsage() {
    }

    static Usage of(JsonNode usage) {
        long thoughts = count(usage, "thoughtsTokenCount");
        return Usage.of(count(usage, "promptTokenCount"), count(usage, "candidatesTokenCount") + thoughts,
                        count(usage, "cachedContentTokenCount"), 0, thoughts);
    }

    private static long count(JsonNode usage, String field) {
        JsonNode value = usage.path(field);
        return value.isIntegralNumber() ? value.asLong() : 0;
    }
}
