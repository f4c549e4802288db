package haia.llm;

/**
 * Token accounting for one model call, in the provider's own token units, with OpenAI's meaning of "input": every
 * prompt token, whether the provider computed it, read it from its prompt cache or wrote it to that cache. The cache
 * counts are parts of {@code inputTokens}, not additions to it:
 * <pre>
 *   inputTokens = uncachedInputTokens() + cacheReadTokens + cacheWriteTokens
 * </pre>
 * Where each provider reports them: Anthropic {@code input_tokens + cache_creation_input_tokens +
 * cache_read_input_tokens} (its {@code input_tokens} alone is only the uncached part), OpenAI-compatible servers
 * {@code prompt_tokens} with {@code prompt_tokens_details.cached_tokens}, Gemini {@code promptTokenCount} with
 * {@code cachedContentTokenCount}; Ollama reports no caching.
 *
 * <p>No checks here: a provider's counts come from outside, and {@link SanitizedLlmClient} decides what is plausible.
 *
 * <p>A provider that reports no counts (llama.cpp's server in streams, whatever {@code stream_options} asks) does not
 * make a call free: HAIA then estimates the missing figures ({@link ModelTokens#accounted}) and marks them
 * {@code estimated}, in the reply's {@code usage}, in the usage ledger and in {@code /v1/usage}. A 0 is stored only
 * where a provider said 0.
 *
 * @param inputTokens      every prompt token, cache reads and writes included (OpenAI's {@code prompt_tokens})
 * @param outputTokens     generated tokens, a reasoning model's thinking included
 * @param cacheReadTokens  the part of {@code inputTokens} served from the provider's prompt cache
 * @param cacheWriteTokens the part of {@code inputTokens} written to the provider's prompt cache (Anthropic bills
 *                         these above the normal input price)
 * @param estimated        some of the counts are HAIA's estimate, not the provider's (it reported none for them)
 */
public record Usage(int inputTokens, int outputTokens, int cacheReadTokens, int cacheWriteTokens, boolean estimated) {

    /** No tokens: HAIA's own answers (to {@code /new}), and the start of a sum. */
    public static final Usage NONE = new Usage(0, 0, 0, 0);

    /** Counts as the provider reported them. */
    public Usage(int inputTokens, int outputTokens, int cacheReadTokens, int cacheWriteTokens) {
        this(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, false);
    }

    /** A call without prompt caching. */
    public Usage(int inputTokens, int outputTokens) {
        this(inputTokens, outputTokens, 0, 0);
    }

    /**
     * Counts as a provider sent them (as longs, since a JSON number can be anything): one beyond an int stays out of
     * range ({@link Integer#MAX_VALUE} or {@link Integer#MIN_VALUE}, which the sanitizer records as 0) instead of
     * wrapping around into a plausible-looking count.
     */
    public static Usage of(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
        return new Usage(saturated(inputTokens), saturated(outputTokens), saturated(cacheReadTokens),
                         saturated(cacheWriteTokens));
    }

    private static int saturated(long value) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    /** Both together, cache counts included: what the model calls of one agent loop were billed. */
    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                         cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens,
                         estimated || other.estimated);
    }

    /** What OpenAI's {@code total_tokens} says: input (cached included) plus output. */
    public int totalTokens() {
        return inputTokens + outputTokens;
    }

    /** The input tokens billed at the normal input price: neither read from nor written to the cache. */
    public int uncachedInputTokens() {
        return inputTokens - cacheReadTokens - cacheWriteTokens;
    }
}
