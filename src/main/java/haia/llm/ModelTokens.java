package haia.llm;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What HAIA learns of each model's tokens while it runs, so that its cheap estimate ({@link TokenEstimate}:
 * characters / 4) fits the model it budgets for:
 * <ul>
 *     <li>its <b>scale</b>: how many of the model's tokens one estimated token is. Learned from the prompt sizes its
 *         provider reports (a moving average over answered calls), and from "context too long" answers that say how
 *         long the refused prompt was (never lower after one of those: the estimate had been too low). Real log text
 *         ran 0.6 tokens per character on SmolLM2 (a scale of 2.4), English prose about 0.25 on Claude;</li>
 *     <li>its <b>context</b>: how many tokens the model's server holds, as the server says at start-up (llama.cpp's
 *         {@code /props}, vLLM's and LM Studio's model lists, Ollama's {@code /api/show}) or as its "context too long"
 *         answer says.</li>
 * </ul>
 * The token budget ({@code Prompt}) plans with both, and the usage of a call whose provider reported no counts is
 * estimated with the scale ({@link #accounted}). Kept in memory: a restarted HAIA learns again from the first
 * answers. Thread-safe.
 */
public final class ModelTokens {

    private static final System.Logger LOG = System.getLogger(ModelTokens.class.getName());
    /** How much one report moves the learned scale. */
    static final double WEIGHT = 0.3;
    /** Prompts smaller than this (estimated tokens) say more about the chat template than about the tokenizer. */
    static final long MIN_SAMPLE = 100;
    /**
     * Bounds of the scale. English on today's tokenizers comes close to characters / 4 (a scale near 1); code, logs
     * and other languages cost more. A report below it is more likely a count that leaves something out (Ollama
     * counts only the prompt it evaluated, not the part it had cached) than a better tokenizer, and a scale below 1
     * would let the budget take more than HAIA's own estimate allows: learning only ever makes the budget more
     * careful.
     */
    static final double MIN_SCALE = 1;
    static final double MAX_SCALE = 8;

    /**
     * What is known of one model.
     *
     * @param scale   the model's tokens per estimated token (1 until learned)
     * @param context the model's context in tokens, when known
     * @param learned whether {@code scale} was learned (else it is the default 1)
     */
    public record Measure(double scale, OptionalInt context, boolean learned) {

        public static final Measure UNKNOWN = new Measure(1, OptionalInt.empty(), false);

        /** The model's tokens per character, as docs/memory.md and the logs state it. */
        public double tokensPerCharacter() {
            return scale / 4;
        }

        /** {@code estimate} (HAIA's characters / 4) in the model's tokens. */
        public long tokens(long estimate) {
            return (long) Math.ceil(estimate * scale);
        }
    }

    private final Map<String, Measure> measures = new ConcurrentHashMap<>();

    /** What is known of {@code upstreamModel} at {@code provider}. */
    public Measure of(String provider, String upstreamModel) {
        return measures.getOrDefault(key(provider, upstreamModel), Measure.UNKNOWN);
    }

    /** The context size a provider's server stated (at start-up). */
    public void context(String provider, String upstreamModel, int tokens, String source) {
        if (tokens <= 0) {
            return;
        }
        Measure before = of(provider, upstreamModel);
        measures.merge(key(provider, upstreamModel), new Measure(1, OptionalInt.of(tokens), false),
                       (old, fresh) -> new Measure(old.scale(), fresh.context(), old.learned()));
        if (before.context().orElse(-1) != tokens) {
            LOG.log(System.Logger.Level.INFO, "Model " + upstreamModel + " (" + provider + ") holds "
                    + String.format(Locale.ROOT, "%,d", tokens) + " tokens of context (" + source + ")");
        }
    }

    /**
     * A call answered: learns the scale from the prompt size the provider reported, and estimates what it did not
     * report. A provider that reports no prompt tokens (llama.cpp's server in streams) leaves 0: HAIA estimates it from
     * the request; no output tokens for a reply that says something, from the reply, and then the reasoning part of
     * them from the reply's thinking (at the same scale, so it never exceeds the output). Estimated counts are marked.
     * A reasoning count is estimated only with the output: a provider that reported its output but no reasoning
     * figure (Anthropic, Ollama) counted the thinking in the output without saying how much, and 0 stays.
     */
    public LlmResponse accounted(String provider, LlmRequest request, LlmResponse response) {
        Usage usage = response.usage();
        long input = TokenEstimate.of(request);
        if (usage.inputTokens() > 0 && !TokenEstimate.hasImages(request)) {
            learn(provider, request.model(), input, usage.inputTokens(), false);
        }
        long output = TokenEstimate.of(response.parts());
        boolean noInput = usage.inputTokens() <= 0;
        boolean noOutput = usage.outputTokens() <= 0 && output > 0;
        if (!noInput && !noOutput) {
            return response;
        }
        Measure measure = of(provider, request.model());
        return response.withUsage(new Usage(
                noInput ? saturated(Math.max(1, measure.tokens(input))) : usage.inputTokens(),
                noOutput ? saturated(measure.tokens(output)) : usage.outputTokens(),
                usage.cacheReadTokens(), usage.cacheWriteTokens(),
                noOutput ? saturated(measure.tokens(thinking(response.parts()))) : usage.reasoningTokens(), true));
    }

    /**
     * A "context too long" answer: the context it named, and the scale its prompt size shows (never lowered by
     * one: HAIA's estimate of this very prompt was too low).
     */
    public void overflowed(String provider, LlmRequest request, ContextTooLongException overflow) {
        String model = request.model();
        overflow.contextTokens().ifPresent(tokens -> context(provider, model, tokens, "said by its \"context too"
                + " long\" answer"));
        if (overflow.promptTokens().isPresent() && !TokenEstimate.hasImages(request)) {
            learn(provider, model, TokenEstimate.of(request), overflow.promptTokens().getAsInt(), true);
        }
    }

    private void learn(String provider, String model, long estimate, int reported, boolean overflow) {
        if (estimate < MIN_SAMPLE) {
            return;
        }
        double sample = Math.clamp((double) reported / estimate, MIN_SCALE, MAX_SCALE);
        String key = key(provider, model);
        Measure before = measures.get(key);
        Measure after = measures.merge(key, new Measure(sample, OptionalInt.empty(), true), (old, fresh) -> {
            double scale = !old.learned() ? sample
                    : overflow ? Math.max(old.scale(), sample)
                    : old.scale() + WEIGHT * (sample - old.scale());
            return new Measure(scale, old.context(), true);
        });
        double was = before == null ? 1 : before.scale();   // MIN_SCALE
        if (Math.abs(after.scale() - was) > 0.1 * was) {
            LOG.log(System.Logger.Level.INFO, String.format(Locale.ROOT, "Model %s (%s): about %.2f tokens per"
                    + " character (learned from %s; HAIA's default estimate is 0.25)", model, provider,
                    after.tokensPerCharacter(),
                    overflow ? "its \"context too long\" answer" : "its reported prompt sizes"));
        }
    }

    /** HAIA's estimate of the reply's thinking (the part of {@link TokenEstimate#of(List)} that is reasoning). */
    private static long thinking(List<Part> parts) {
        return TokenEstimate.of(parts.stream().filter(Part.Thinking.class::isInstance).toList());
    }

    private static int saturated(long value) {
        return (int) Math.min(Integer.MAX_VALUE, value);
    }

    private static String key(String provider, String upstreamModel) {
        return provider + '\u0000' + upstreamModel;
    }
}
