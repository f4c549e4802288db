package haia.llm;

/**
 * Token accounting for one model call, in the provider's own token units.
 *
 * @param inputTokens  every prompt token the provider billed (for Anthropic this includes cache reads and writes)
 * @param outputTokens generated tokens
 */
public record Usage(int inputTokens, int outputTokens) {

    public static final Usage NONE = new Usage(0, 0);

    /** Both together: what the model calls of one agent loop were billed. */
    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens);
    }

    public int totalTokens() {
        return inputTokens + outputTokens;
    }
}
