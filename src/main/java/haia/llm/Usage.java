package haia.llm;

/**
 * Token accounting for one model call, in the provider's own token units, with OpenAI's meanings of "input" and
 * "output". Input is every prompt token, whether the provider computed it, read it from its prompt cache or wrote it
 * to that cache; output is every generated token, a reasoning model's thinking included. The cache counts are parts
 * of {@code inputTokens}, and the reasoning count is a part of {@code outputTokens}, not additions to them:
 * <pre>
 *   inputTokens  = uncachedInputTokens() + cacheReadTokens + cacheWriteTokens
 *   outputTokens = the visible reply's tokens + reasoningTokens
 * </pre>
 * Where each provider reports them: Anthropic {@code input_tokens + cache_creation_input_tokens +
 * cache_read_input_tokens} (its {@code input_tokens} alone is only the uncached part), OpenAI-compatible servers
 * {@code prompt_tokens} with {@code prompt_tokens_details.cached_tokens}, Gemini {@code promptTokenCount} with
 * {@code cachedContentTokenCount}; Ollama reports no caching.
 *
 * <p>Reasoning: OpenAI-compatible servers that count it send {@code completion_tokens_details.reasoning_tokens},
 * already a part of their {@code completion_tokens}. Gemini counts its thoughts apart from the reply:
 * {@code thoughtsTokenCount} is not in {@code candidatesTokenCount} (its {@code totalTokenCount} adds both), so HAIA's
 * output is their sum and the reasoning count is {@code thoughtsTokenCount}, which keeps OpenAI's meaning (output
 * includes reasoning) and bills thoughts as output, as Google does. Anthropic bills thinking as output but reports no
 * separate count, nor does Ollama or an OpenAI-compatible server that sends no details (llama.cpp's): their
 * {@code reasoningTokens} is 0, meaning "not reported", while the thinking is in {@code outputTokens}.
 *
 * <p>No checks here: a provider's counts come from outside, and {@link SanitizedLlmClient} decides what is plausible.
 *
 * <p>A provider that reports no counts (llama.cpp's server in streams, whatever {@code stream_options} asks) does not
 * make a call free: HAIA then estimates the missing figures ({@link ModelTokens#accounted}: the output from the
 * reply, the reasoning from the thinking in it) and marks them {@code estimated}, in the reply's {@code usage}, in the
 * usage ledger and in {@code /v1/usage}. A 0 is stored only where a provider said 0, or (reasoning) said nothing of
 * it while reporting the output.
 *
 * @param inputTokens      every prompt token, cache reads and writes included (OpenAI's {@code prompt_tokens})
 * @param outputTokens     generated tokens, a reasoning model's thinking included
 * @param cacheReadTokens  the part of {@code inputTokens} served from the provider's prompt cache
 * @param cacheWriteTokens the part of {@code inputTokens} written to the provider's prompt cache (Anthropic bills
 *                         these above the normal input price)
 * @param reasoningTokens  the part of {@code outputTokens} the model spent thinking, where the provider counts it
 *                         apart (else 0)
 * @param estimated        some of the counts are HAIA's estimate, not the provider's (it reported none for them)
 */
public record Usage(int inputTokens, int outputTokens, int cacheReadTokens, int cacheWriteTokens, int reasoningTokens,
                    boolean estimated) {

    /** No tokens: HAIA's own answers (to {@code /new}), and the start of a sum. */
    public static final Usage NONE = new Usage(0, 0, 0, 0);

    /** Counts without a reasoning figure. */
    public Usage(int inputTokens, int outputTokens, int cacheReadTokens, int cacheWriteTokens, boolean estimated) {
        this(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, 0, estimated);
    }

    /** Counts as the provider reported them, without a reasoning figure. */
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
    public static Usage of(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
                           long reasoningTokens) {
        return new Usage(saturated(inputTokens), saturated(outputTokens), saturated(cacheReadTokens),
                         saturated(cacheWriteTokens), saturated(reasoningTokens), false);
    }

    /** As {@link #of(long, long, long, long, long)}, from a provider that reports no reasoning figure. */
    public static Usage of(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
        return of(inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, 0);
    }

    private static int saturated(long value) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
    }

    /** Both together, cache and reasoning counts included: what the model calls of one agent loop were billed. */
    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                         cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens,
                         reasoningTokens + other.reasoningTokens, estimated || other.estimated);
    }

    /** What OpenAI's {@code total_tokens} says: input (cached included) plus output (reasoning included). */
    public int totalTokens() {
        return inputTokens + outputTokens;
    }

    /** The input tokens billed at the normal input price: neither read from nor written to the cache. */
    public int uncachedInputTokens() {
        return inputTokens - cacheReadTokens - cacheWriteTokens;
    }
}
