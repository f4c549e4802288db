package haia.usage;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HAIA's built-in prices: the default model of each paid provider and the Claude models people commonly choose, in
 * US dollars per million tokens, standard (not batch) API prices. Read from the providers' published prices on
 * {@link #AS_OF}; docs/operations.md ("Prices") lists them with their sources and says which could not be
 * checked against the provider's own page. Prices change: {@code models[].price} in the YAML overrides any of them,
 * and the price in force is stored with each call, so a change never rewrites earlier costs.
 *
 * <p>Claude prices are the input and output price with Anthropic's cache multipliers (reads 0.1×, 5-minute writes
 * 1.25× the input price; {@link Price#anthropic}). OpenAI and Gemini bill no cache writes: a write is priced as
 * input. Not modelled: Anthropic's 1-hour cache writes (2×; HAIA prices every write as a 5-minute one), long-context
 * surcharges, batch and priority tiers, regional surcharges.
 */
public final class PriceTable {

    /** When the prices below were read. */
    public static final LocalDate AS_OF = LocalDate.of(2026, 11, 25);

    /** A built-in price and where it comes from. */
    public record Entry(String providerType, String model, Price price, String source) {
    }

    private static final String ANTHROPIC = "Anthropic, platform.claude.com/docs/en/about-claude/pricing";
    private static final String OPENAI = "third-party copies of openai.com/api/pricing (unverified: OpenAI's page no"
            + " longer lists gpt-4o-mini)";
    private static final String GEMINI = "third-party copies of ai.google.dev/gemini-api/docs/pricing (unverified;"
            + " cache read price unverified)";

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        claude("claude-haiku-4-5", "1", "5");
        claude("claude-sonnet-4-5", "3", "15");
        claude("claude-sonnet-4-6", "3", "15");
        claude("claude-sonnet-5", "2", "10");
        claude("claude-opus-4-5", "5", "25");
        claude("claude-opus-4-6", "5", "25");
        claude("claude-opus-4-7", "5", "25");
        claude("claude-opus-4-8", "5", "25");
        claude("claude-opus-5", "5", "25");
        claude("claude-sonnet-4", "3", "15");
        claude("claude-sonnet-4-0", "3", "15");
        claude("claude-opus-4-1", "15", "75");
        claude("claude-opus-4", "15", "75");
        claude("claude-opus-4-0", "15", "75");
        add("openai", "gpt-4o-mini", "0.15", "0.6", "0.075", OPENAI);
        add("gemini", "gemini-2.5-flash", "0.3", "2.5", "0.03", GEMINI);
    }

    private PriceTable() {
    }

    private static void claude(String model, String input, String output) {
        ENTRIES.put(key("anthropic", model), new Entry("anthropic", model, Price.anthropic(
                Rate.usdPerMillion(input), Rate.usdPerMillion(output)), ANTHROPIC));
    }

    private static void add(String type, String model, String input, String output, String cacheRead, String source) {
        Rate in = Rate.usdPerMillion(input);
        ENTRIES.put(key(type, model), new Entry(type, model, new Price(in, Rate.usdPerMillion(output),
                                                                        Rate.usdPerMillion(cacheRead), in), source));
    }

    /** Every built-in entry, in docs/operations.md's order. */
    public static List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /**
     * The built-in price of a provider's model. Dated snapshots cost what their alias costs:
     * {@code claude-haiku-4-5-20251001} is {@code claude-haiku-4-5}, {@code gpt-4o-mini-2024-07-18} is
     * {@code gpt-4o-mini}; Gemini's {@code models/} prefix is ignored.
     */
    public static Optional<Entry> find(String providerType, String upstreamModel) {
        String model = upstreamModel.strip().toLowerCase(Locale.ROOT).replaceFirst("^models/", "")
                .replaceFirst("-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$", "");
        return Optional.ofNullable(ENTRIES.get(key(providerType, model)));
    }

    private static String key(String type, String model) {
        return type + " " + model;
    }
}
