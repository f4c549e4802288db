package haia.llm;

/**
 * Token accounting for one model call, in the provider's own token units.
 *
 * @param inputTokens  every prompt token the provider billed (for Anthropic this includes cache reads and writes)
 * @param outputTokens generated tokens
 */
public record Usage(int inputTokens, int outputTokens) {

    public static final Usage NONE = new Usage(0, 0);

    public int totalTokens() {
        return inputTokens + outputTokens;
    }
}
