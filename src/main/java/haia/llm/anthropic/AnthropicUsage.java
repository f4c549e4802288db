package haia.llm.anthropic;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.Usage;

/**
 * Anthropic's {@code usage} objects as HAIA's {@link Usage}: the protocol mapping of token counts, and nothing else
 * (../shared/notes/wire-formats.md §1.3-1.5). Anthropic's {@code input_tokens} is only the uncached part of the
 * prompt; {@code cache_read_input_tokens} and {@code cache_creation_input_tokens} come on top, so HAIA's input (all
 * prompt tokens, as OpenAI counts them) is the sum of the three. {@code output_tokens} counts the billed thinking
 * too, with no separate figure for it: the reasoning count stays 0 (not reported).
 */
final class AnthropicUsage {

    private AnthropicUsage() {
    }

    /** The {@code usage} of a whole {@code Message}: a blocking reply, or the one {@code message_start} carries. */
    static Usage of(JsonNode usage) {
        return update(Usage.NONE, usage);
    }

    /**
     * A stream's usage after a {@code message_delta}: its counts are cumulative, and the ones it leaves out
     * ({@code output_tokens} is the only required one) keep what {@code message_start} said.
     */
    static Usage update(Usage current, JsonNode usage) {
        long uncached = count(usage, "input_tokens", current.uncachedInputTokens());
        long written = count(usage, "cache_creation_input_tokens", current.cacheWriteTokens());
        long read = count(usage, "cache_read_input_tokens", current.cacheReadTokens());
        long output = count(usage, "output_tokens", current.outputTokens());
        return Usage.of(uncached + written + read, output, read, written);
    }

    private static long count(JsonNode usage, String field, long otherwise) {
        JsonNode value = usage.get(field);
        return value != null && value.isIntegralNumber() ? value.asLong() : otherwise;
    }
}
