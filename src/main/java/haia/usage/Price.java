package haia.usage;

import java.math.BigDecimal;

import haia.llm.Usage;

/**
 * What a model charges per token, by kind of token, in US dollars per million tokens. A call's cost is
 * <pre>
 *   uncached input × input + cache reads × cacheRead + cache writes × cacheWrite + output × output
 * </pre>
 * where the uncached input is the input that was neither read from nor written to the cache
 * ({@link Usage#uncachedInputTokens()}): each prompt token is billed once, in one of the three kinds.
 *
 * @param input      a prompt token the provider computed afresh
 * @param output     a generated token (thinking included)
 * @param cacheRead  a prompt token served from the provider's prompt cache
 * @param cacheWrite a prompt token written to the provider's prompt cache
 */
public record Price(Rate input, Rate output, Rate cacheRead, Rate cacheWrite) {

    /** Local models: nothing to pay per token. */
    public static final Price FREE = new Price(Rate.FREE, Rate.FREE, Rate.FREE, Rate.FREE);

    /** Anthropic's prompt-cache multipliers: a cache hit costs a tenth of the input price, a 5-minute write 1.25×. */
    static final BigDecimal ANTHROPIC_CACHE_READ = new BigDecimal("0.1");
    static final BigDecimal ANTHROPIC_CACHE_WRITE = new BigDecimal("1.25");

    public Price {
        java.util.Objects.requireNonNull(input, "input");
        java.util.Objects.requireNonNull(output, "output");
        java.util.Objects.requireNonNull(cacheRead, "cacheRead");
        java.util.Objects.requireNonNull(cacheWrite, "cacheWrite");
    }

    /** A Claude model's price from its input and output price, with Anthropic's cache multipliers. */
    public static Price anthropic(Rate input, Rate output) {
        return new Price(input, output, input.times(ANTHROPIC_CACHE_READ), input.times(ANTHROPIC_CACHE_WRITE));
    }

    /** The exact cost of one call's tokens. Counts are taken as they are: {@code usage} is already sanitized. */
    public Cost cost(Usage usage) {
        return input.of(Math.max(0, usage.uncachedInputTokens()))
                .plus(cacheRead.of(usage.cacheReadTokens()))
                .plus(cacheWrite.of(usage.cacheWriteTokens()))
                .plus(output.of(usage.outputTokens()));
    }

    @Override
    public String toString() {
        return "input " + input.usdPerMillion().toPlainString() + ", output " + output.usdPerMillion().toPlainString()
                + ", cache read " + cacheRead.usdPerMillion().toPlainString() + ", cache write "
                + cacheWrite.usdPerMillion().toPlainString() + " USD per million tokens";
    }
}
